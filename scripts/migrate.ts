import { ethers } from "hardhat";
import { Wallet, isAddress } from "ethers";
import { SecuredAssetLedger__factory } from "../typechain-types";
import { planMigration, runMigration } from "./lib/ledger-migration";

/**
 * `MIGRATE_FROM=<old ledger> MIGRATE_TO=<new ledger> AUTHORITY_KEY=<key> npm run migrate -- --network <name>`:
 * seeds the successor from the paused predecessor (docs/design.md "Upgrades"). Before: pause the old ledger, deploy
 * the new one (`npm run deploy`), grant permits, list asset types and publish the same disclosure versions on it.
 */
async function main(): Promise<void> {
  const from = process.env.MIGRATE_FROM ?? "";
  const to = process.env.MIGRATE_TO ?? "";
  const key = process.env.AUTHORITY_KEY ?? "";
  if (!isAddress(from) || !isAddress(to) || !key) {
    throw new Error(
      "set MIGRATE_FROM and MIGRATE_TO (ledger addresses) and AUTHORITY_KEY (the authority's private key)",
    );
  }
  const authority = new Wallet(key, ethers.provider);
  const predecessor = SecuredAssetLedger__factory.connect(from, ethers.provider);
  const successor = SecuredAssetLedger__factory.connect(to, authority);
  if (!(await predecessor.paused()))
    throw new Error(`pause ${from} first: a migration reads a ledger that can no longer change`);
  const plan = await planMigration(predecessor);
  console.log(`plan: ${plan.participants.length} participant(s), ${plan.assets.length} asset(s)`);
  await runMigration(successor, from, plan, { log: (line) => console.log(line) });
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
