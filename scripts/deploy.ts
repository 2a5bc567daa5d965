import { existsSync, readFileSync } from "node:fs";
import hre from "hardhat";
import PlatformModule from "../ignition/modules/Platform";
import { writeDeployment } from "../server/chain/deployment";

/**
 * Operator's deployment command: `npx hardhat run scripts/deploy.ts --network <name>`.
 * Parameters come from IGNITION_PARAMETERS (default ignition/parameters/<network>.json); the addresses land in
 * DEPLOYMENT_FILE (default data/deployment.json), which the gateway reads. Ignition keeps a journal under
 * ignition/deployments/, so running the command again resumes or reuses the same deployment.
 */
async function firstBlockWithCode(address: string, latest: number): Promise<number> {
  let low = 0;
  let high = latest;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    const code = await hre.ethers.provider.getCode(address, mid);
    if (code === "0x") low = mid + 1;
    else high = mid;
  }
  return low;
}

async function main() {
  const paramsFile = process.env.IGNITION_PARAMETERS ?? `ignition/parameters/${hre.network.name}.json`;
  if (!existsSync(paramsFile)) throw new Error(`parameters file ${paramsFile} not found (set IGNITION_PARAMETERS)`);
  const parameters = JSON.parse(readFileSync(paramsFile, "utf8")) as {
    SecuredAssetPlatform: { authority: string; operator: string; verifier: string };
  };
  const { ledger, issuanceRules } = await hre.ignition.deploy(PlatformModule, { parameters });
  const ledgerAddress = await ledger.getAddress();
  const latest = await hre.ethers.provider.getBlockNumber();
  const { chainId } = await hre.ethers.provider.getNetwork();
  const file = process.env.DEPLOYMENT_FILE ?? "data/deployment.json";
  const p = parameters.SecuredAssetPlatform;
  await writeDeployment(file, {
    chainId: Number(chainId),
    ledger: ledgerAddress,
    issuanceRules: await issuanceRules.getAddress(),
    deployBlock: await firstBlockWithCode(ledgerAddress, latest),
    authority: p.authority,
    operator: p.operator,
    verifier: p.verifier,
  });
  console.log(`SecuredAssetLedger ${ledgerAddress} on chain ${chainId}; deployment written to ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
