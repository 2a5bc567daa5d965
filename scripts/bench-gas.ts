import { ethers } from "hardhat";
import { id as keccakText } from "ethers";
import {
  authorization,
  buildIssuance,
  deployLedger,
  FAR_FUTURE,
  GRAIN,
  Category,
  Kind,
  PERMIT,
  signAcknowledgement,
  submitIssuance,
} from "../test/helpers/platform";

/**
 * Gas of the platform's operations against a bare OpenZeppelin ERC-1155 measured in the same run.
 * Prints a table and, as the last line, one JSON object (see docs/benchmarks.md, "Gas").
 */
async function gasOf(tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("no receipt");
  return receipt.gasUsed;
}

async function main() {
  const signers = await ethers.getSigners();
  const [, authority, operator, verifier, owner, alice, bob, carol, dave] = signers;
  const batchSenders = signers.slice(9, 19);

  // Baseline: bare ERC-1155, transfer to a holder that already has a balance.
  const baseline = await ethers.deployContract("BaselineERC1155");
  await baseline.mint(alice.address, 1, 1000);
  await baseline.mint(bob.address, 1, 1000);
  await baseline.connect(alice).safeTransferFrom(alice.address, bob.address, 1, 1, "0x");
  const baselineTransferGas = await gasOf(
    baseline.connect(alice).safeTransferFrom(alice.address, bob.address, 1, 1, "0x"),
  );

  const ledger = await deployLedger(authority.address, operator.address, verifier.address);
  await ledger.connect(authority).grantPermit(operator.address, PERMIT);
  await ledger.connect(authority).listAssetType(GRAIN, "Grain", Category.TangibleAsset);
  await ledger.connect(operator).publishDisclosure(keccakText("risks v1"), "https://platform.kz/risks/v1");

  // Onboarding as the gateway does it: registration and the participant's signed acknowledgement in one transaction.
  const onboardOne = async (signer: typeof alice) => {
    const signature = await signAcknowledgement(ledger, signer, 1n);
    return gasOf(
      ledger
        .connect(operator)
        .registerParticipantWithAcknowledgement(
          signer.address,
          Kind.NaturalPerson,
          keccakText(signer.address),
          1,
          FAR_FUTURE,
          signature,
        ),
    );
  };
  const onboardGas = await onboardOne(owner);
  for (const s of [alice, bob, carol, dave, ...batchSenders]) await onboardOne(s);

  const issuance = await buildIssuance(ledger, owner, verifier, { nonce: 1n, units: 10_000_000n });
  const issueGas = await gasOf(submitIssuance(ledger, operator, issuance));
  const assetId = 1n;

  const relay = async (from: typeof alice, to: string, amount: bigint) => {
    const { auth, signature } = await authorization(ledger, from, to, assetId, amount, { ref: keccakText("invoice") });
    return gasOf(ledger.connect(operator).transferWithAuthorization(auth, signature));
  };
  // Give alice and bob a balance and a used nonce slot, so the measured transfer is the steady state.
  await relay(owner, alice.address, 100_000n);
  await relay(owner, bob.address, 100_000n);
  await relay(alice, bob.address, 10n);
  const transferGas = await relay(alice, bob.address, 10n);
  const transferNewHolderGas = await relay(alice, carol.address, 10n);
  const directGas = await gasOf(ledger.connect(alice).safeTransferFrom(alice.address, bob.address, assetId, 10n, "0x"));

  for (const s of batchSenders) await relay(owner, s.address, 1_000n);
  const auths = [];
  const sigs = [];
  for (const s of batchSenders) {
    const { auth, signature } = await authorization(ledger, s, bob.address, assetId, 5n, { ref: keccakText("batch") });
    auths.push(auth);
    sigs.push(signature);
  }
  const batchGas = await gasOf(ledger.connect(operator).transferBatchWithAuthorization(auths, sigs));
  const batchTransferGasEach = batchGas / BigInt(auths.length);
  const redeemGas = await gasOf(ledger.connect(alice).redeem(assetId, 10n, keccakText("redeem")));

  const ratio = Number(transferGas) / Number(baselineTransferGas);
  const rows: [string, bigint][] = [
    ["issuance (decision, issuer, attestation, owner request)", issueGas],
    ["onboarding one participant (register + signed acknowledgement, one tx)", onboardGas],
    ["relayed holder-signed transfer, existing holder", transferGas],
    ["relayed holder-signed transfer, new holder", transferNewHolderGas],
    ["direct safeTransferFrom, existing holder", directGas],
    ["batch of 10 relayed transfers, per transfer", batchTransferGasEach],
    ["redemption", redeemGas],
    ["baseline: bare ERC-1155 safeTransferFrom, existing holder", baselineTransferGas],
  ];
  console.log("| operation | gas |\n|---|---:|");
  for (const [name, gas] of rows) console.log(`| ${name} | ${gas.toLocaleString("en-US")} |`);
  console.log(`ratio relayed transfer / bare transfer: ${ratio.toFixed(3)}`);
  console.log(
    JSON.stringify({
      transferGas: Number(transferGas),
      baselineTransferGas: Number(baselineTransferGas),
      ratio: Number(ratio.toFixed(4)),
      batchTransferGasEach: Number(batchTransferGasEach),
      issueGas: Number(issueGas),
      onboardGas: Number(onboardGas),
      transferNewHolderGas: Number(transferNewHolderGas),
      directTransferGas: Number(directGas),
      redeemGas: Number(redeemGas),
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
