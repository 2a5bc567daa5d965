import "reflect-metadata";
import { expect } from "chai";
import fc from "fast-check";
import { getAddress } from "ethers";
import { GENESIS_RECORD_HASH, RecordChainHasher, recordHash } from "../../server/chain/records";
import type { TransferRecord } from "../../server/chain/records";
import { recordHashFromWords } from "../../server/chain/decode";
import type { DecodedRecord } from "../../server/chain/decode";
import { openDatabase } from "../../server/persistence/data-source";
import type { Database } from "../../server/persistence/data-source";
import { GATEWAY_MODEL } from "../../server/database-model";
import { MirrorQueries } from "../../server/mirror/queries";
import { writeRange } from "../../server/mirror/store";
import type { Deployment } from "../../server/chain/deployment";
import type { SecuredAssetLedger } from "../../typechain-types";

const hex = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => "0x" + Buffer.from(b).toString("hex"));
const word = (n: bigint | number) => BigInt(n).toString(16).padStart(64, "0");

describe("RecordChainHasher: the verification's record hash is the ledger's (recordHash)", function () {
  it("when records of any fields are chained, then each hash is recordHash's, or the fast path declines the record", function () {
    const record = fc.record({
      sequence: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      from: hex(20),
      to: hex(20),
      amount: fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 256n) - 1n })),
      ref: hex(32),
      postedAt: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    });
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), fc.array(record, { maxLength: 8 }), (assetId, rs) => {
        const hasher = new RecordChainHasher(assetId);
        let previous = GENESIS_RECORD_HASH;
        for (const r of rs) {
          const full: TransferRecord = { ...r, assetId, sequence: BigInt(r.sequence), postedAt: BigInt(r.postedAt) };
          const expected = recordHash(previous, full);
          if (hasher.next(r.sequence, r.from, r.to, r.amount, r.ref, r.postedAt)) {
            expect(r.amount < 1n << 64n).to.equal(true);
          } else {
            expect(r.amount >= 1n << 64n).to.equal(true);
            hasher.setPrevious(expected);
          }
          expect(hasher.head()).to.equal(expected);
          expect(hasher.isPrevious(expected.toUpperCase().replace("0X", "0x"))).to.equal(true);
          previous = expected;
        }
      }),
      { numRuns: 300 },
    );
  });

  it("when a field is not in the mirror's form, then the fast path declines it and the previous hash stays", function () {
    const hasher = new RecordChainHasher(1n);
    const a = "0x" + "ab".repeat(20);
    const ref = "0x" + "cd".repeat(32);
    const cases: Array<[number, string, string, bigint, string, number]> = [
      [1, getAddress(a), a, 1n, ref, 1],
      [1, a, "0x" + "ab".repeat(19), 1n, ref, 1],
      [1, a, a, -1n, ref, 1],
      [1, a, a, 1n << 64n, ref, 1],
      [1, a, a, 1n, "0x" + "cd".repeat(31) + "zz", 1],
      [1, a, a, 1n, "cd".repeat(33), 1],
      [1.5, a, a, 1n, ref, 1],
      [1, a, a, 1n, ref, -1],
    ];
    for (const args of cases) {
      expect(hasher.next(...args), String(args)).to.equal(false);
      expect(hasher.head()).to.equal(GENESIS_RECORD_HASH);
    }
    for (const bad of ["0x" + "00".repeat(23), "0x" + "00".repeat(23) + "0g", "00".repeat(25)])
      expect(hasher.isPrevious(bad), bad).to.equal(false);
  });
});

describe("MirrorQueries.verifyHashChain: a tampered field is found at its record", function () {
  this.timeout(60_000);
  let db: Database;
  let queries: MirrorQueries;
  let head = GENESIS_RECORD_HASH;
  const COUNT = 40;
  const holders = Array.from({ length: 5 }, (_, i) => "0x" + (i + 1).toString(16).padStart(40, "0"));

  before(async function () {
    db = await openDatabase({ type: "sqlite", file: ":memory:" }, GATEWAY_MODEL);
    const records: DecodedRecord[] = [];
    for (let seq = 1; seq <= COUNT; seq++) {
      const [from, to] = seq === 1 ? ["0x" + "00".repeat(20), holders[0]] : [holders[seq % 5], holders[(seq + 1) % 5]];
      // One amount past 2^64 (the general encoder's path).
      const amount = seq === 7 ? 1n << 70n : BigInt(seq * 3);
      const assetWord = word(5);
      const postedAt = 1_780_000_000 + seq;
      const ref = word(seq * 1_000_003);
      const dataWords =
        word(seq) +
        from.slice(2).padStart(64, "0") +
        to.slice(2).padStart(64, "0") +
        word(amount) +
        ref +
        word(postedAt);
      head = recordHashFromWords(head, assetWord, dataWords);
      records.push({
        txHash: "0x" + word(seq),
        logIndex: 0,
        blockNumber: seq,
        blockHash: "0x" + word(seq + 0xb10c),
        assetId: "5",
        sequence: seq,
        from,
        to,
        amount,
        ref: "0x" + ref,
        postedAt,
        assetWord,
        dataWords,
      });
    }
    await db.transaction((em) =>
      writeRange(
        em,
        { from: 1, to: COUNT, toHash: "0x" + word(COUNT + 0xb10c), records, changes: [], faults: [] },
        COUNT,
      ),
    );
    const deployment = { ledger: "0x" + "00".repeat(20), deployBlock: 1 } as unknown as Deployment;
    queries = new MirrorQueries(db, {} as SecuredAssetLedger, deployment);
  });

  after(async () => db?.close());

  const verify = () => queries.verifyHashChain("5", COUNT, BigInt(COUNT), head);

  it("when the rows are as written, then the chain verifies up to the head", async function () {
    expect(await verify()).to.deep.equal({ verified: true, count: BigInt(COUNT), head });
    // A checksummed spelling of the same address is the same record (the general encoder checks the checksum).
    await db.manager.query("UPDATE mirror_records SET to_address = ? WHERE asset_id = '5' AND sequence = 9", [
      getAddress(holders[10 % 5]),
    ]);
    expect(await verify()).to.deep.equal({ verified: true, count: BigInt(COUNT), head });
    await db.manager.query("UPDATE mirror_records SET to_address = ? WHERE asset_id = '5' AND sequence = 9", [
      holders[10 % 5],
    ]);
  });

  for (const [column, value] of [
    ["from_address", "0x" + "99".repeat(20)],
    ["to_address", "0x" + "98".repeat(20)],
    ["to_address", "0x" + "98".repeat(19)],
    ["amount", "1000000"],
    ["amount", "-1"],
    ["amount", "12x"],
    ["ref", "0x" + "ee".repeat(32)],
    ["ref", "0x" + "ee".repeat(31)],
    ["posted_at", 1_790_000_000],
    ["record_hash", "0x" + "11".repeat(24)],
    ["previous_hash", "0x" + "11".repeat(24)],
  ] as const) {
    for (const seq of [1, 7, 23, COUNT]) {
      it(`when ${column} of record ${seq} is changed to ${String(value).slice(0, 12)}…, then the verdict is "record altered" at ${seq}`, async function () {
        const [row] = await db.manager.query(
          `SELECT ${column} AS v FROM mirror_records WHERE asset_id = '5' AND sequence = ?`,
          [seq],
        );
        await db.manager.query(`UPDATE mirror_records SET ${column} = ? WHERE asset_id = '5' AND sequence = ?`, [
          value,
          seq,
        ]);
        try {
          expect(await verify()).to.deep.equal({
            verified: false,
            firstDivergentSequence: BigInt(seq),
            reason: "record altered",
          });
        } finally {
          await db.manager.query(`UPDATE mirror_records SET ${column} = ? WHERE asset_id = '5' AND sequence = ?`, [
            row.v,
            seq,
          ]);
        }
        expect((await verify()).verified).to.equal(true);
      });
    }
  }

  it("when the head or count differs from the ledger's, then the chain does not verify", async function () {
    expect(await queries.verifyHashChain("5", COUNT, BigInt(COUNT), "0x" + "00".repeat(24))).to.deep.include({
      verified: false,
      reason: "head differs",
    });
    expect(await queries.verifyHashChain("5", COUNT, BigInt(COUNT + 1), head)).to.deep.include({
      verified: false,
      reason: "records missing at the end",
    });
  });
});
