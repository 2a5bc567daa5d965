import { ZeroAddress } from "ethers";
import type { SecuredAssetLedger } from "../../typechain-types";

/**
 * Seeding a successor ledger from its paused predecessor (docs/design.md "Upgrades"). The plan comes from the
 * predecessor's events: who is registered now, and for each asset every account that appears in its records or its
 * freezes (the ledger refuses a holder list that leaves part of the supply behind, but cannot see a freeze of an
 * account left out, so the events are read in full).
 */
export interface MigrationPlan {
  participants: string[];
  assets: { assetId: bigint; accounts: string[] }[];
}

export async function planMigration(predecessor: SecuredAssetLedger, fromBlock = 0): Promise<MigrationPlan> {
  const registered = new Set<string>();
  for (const e of await predecessor.queryFilter(predecessor.filters.ParticipantRegistered(), fromBlock))
    registered.add(e.args.account);
  const accounts = [...registered];
  const still = await Promise.all(accounts.map((a) => predecessor.isRegistered(a)));
  const participants = accounts.filter((_, i) => still[i]);

  const count = await predecessor.assetCount();
  const byAsset = new Map<bigint, Set<string>>();
  for (let id = 1n; id <= count; id++) byAsset.set(id, new Set());
  const add = (id: bigint, account: string) => {
    if (account !== ZeroAddress) byAsset.get(id)?.add(account);
  };
  for (const e of await predecessor.queryFilter(predecessor.filters.RecordPosted(), fromBlock)) {
    add(e.args.assetId, e.args.from);
    add(e.args.assetId, e.args.to);
  }
  for (const e of await predecessor.queryFilter(predecessor.filters.Frozen(), fromBlock))
    add(e.args.tokenId, e.args.account);
  return { participants, assets: [...byAsset].map(([assetId, accounts]) => ({ assetId, accounts: [...accounts] })) };
}

/**
 * Runs the plan with the successor connected as the authority: participants in chunks, each asset in id order, then
 * closes the window; what an earlier, interrupted run copied is skipped. `log` reports each step.
 */
export async function runMigration(
  successor: SecuredAssetLedger,
  predecessorAddress: string,
  plan: MigrationPlan,
  opts: { chunk?: number; log?: (line: string) => void } = {},
): Promise<void> {
  const chunk = opts.chunk ?? 100;
  const log = opts.log ?? (() => undefined);
  // What an interrupted run already copied is skipped, so the script can simply be run again.
  const copiedAlready = await Promise.all(plan.participants.map((a) => successor.isRegistered(a)));
  const pending = plan.participants.filter((_, i) => !copiedAlready[i]);
  for (let i = 0; i < pending.length; i += chunk) {
    const part = pending.slice(i, i + chunk);
    await (await successor.migrateParticipants(predecessorAddress, part)).wait();
    log(`participants ${i + 1}-${i + part.length} of ${pending.length}`);
  }
  const copied = await successor.assetCount();
  for (const { assetId, accounts } of plan.assets) {
    if (assetId <= copied) continue;
    await (await successor.migrateAsset(predecessorAddress, assetId, accounts)).wait();
    log(`asset ${assetId}: ${accounts.length} account(s)`);
  }
  await (await successor.closeMigration()).wait();
  log("migration window closed");
}
