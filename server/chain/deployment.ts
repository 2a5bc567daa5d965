import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { Provider, Signer } from "ethers";
import { z } from "zod";
import {
  IssuanceRules__factory,
  LedgerMigration__factory,
  RegisterRules__factory,
  SecuredAssetLedger__factory,
} from "../../typechain-types";

/** The file that tells the gateway where the platform lives on a chain. */
export const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  ledger: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  issuanceRules: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  registerRules: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  ledgerMigration: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  deployBlock: z.number().int().nonnegative(),
  authority: z.string(),
  operator: z.string(),
  verifier: z.string(),
});
export type Deployment = z.infer<typeof deploymentSchema>;

export async function readDeployment(path: string): Promise<Deployment> {
  const raw = await readFile(path, "utf8");
  return deploymentSchema.parse(JSON.parse(raw));
}

export async function writeDeployment(path: string, d: Deployment): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(d, null, 2) + "\n");
}

/** Whether the deployment's contracts exist on the chain `provider` talks to (a restarted dev node has none). */
export async function isDeployedOn(provider: Provider, d: Deployment): Promise<boolean> {
  const { chainId } = await provider.getNetwork();
  if (Number(chainId) !== d.chainId) return false;
  const code = await provider.getCode(d.ledger);
  return code !== "0x";
}

/**
 * Deploys the IssuanceRules, RegisterRules and LedgerMigration libraries and the ledger linked to them. The deployer gets no role: `authority`,
 * `operator` and `verifier` do. (Operators deploying to a real network use the Ignition module instead.)
 */
export async function deployPlatform(
  deployer: Signer,
  roles: { authority: string; operator: string; verifier: string },
): Promise<Deployment> {
  const rules = await new IssuanceRules__factory(deployer).deploy();
  const registerRules = await new RegisterRules__factory(deployer).deploy();
  const ledgerMigration = await new LedgerMigration__factory(deployer).deploy();
  await Promise.all([
    rules.waitForDeployment(),
    registerRules.waitForDeployment(),
    ledgerMigration.waitForDeployment(),
  ]);
  const factory = new SecuredAssetLedger__factory(
    {
      "contracts/ledger/IssuanceRules.sol:IssuanceRules": await rules.getAddress(),
      "contracts/registers/RegisterRules.sol:RegisterRules": await registerRules.getAddress(),
      "contracts/ledger/LedgerMigration.sol:LedgerMigration": await ledgerMigration.getAddress(),
    },
    deployer,
  );
  const ledger = await factory.deploy(roles.authority, roles.operator, roles.verifier);
  const receipt = await ledger.deploymentTransaction()?.wait();
  if (!receipt) throw new Error("ledger deployment has no receipt");
  const { chainId } = await deployer.provider!.getNetwork();
  return {
    chainId: Number(chainId),
    ledger: await ledger.getAddress(),
    issuanceRules: await rules.getAddress(),
    registerRules: await registerRules.getAddress(),
    ledgerMigration: await ledgerMigration.getAddress(),
    deployBlock: receipt.blockNumber,
    ...roles,
  };
}
