import { expect } from "chai";
import { areaOf, summarizeProfile } from "../../scripts/lib/cpu-profile";
import type { CallFrame, CpuProfile } from "../../scripts/lib/cpu-profile";

const ROOT = "/work/app";

const frame = (functionName: string, url: string, lineNumber = -1): CallFrame => ({ functionName, url, lineNumber });

/**
 * A tiny profile: root -> handler (server/http) -> save (server/persistence) -> pg query (node_modules/pg), plus
 * idle, GC, a builtin and a second node of the same handler function elsewhere in the tree.
 */
const PROFILE: CpuProfile = {
  startTime: 1_000_000,
  endTime: 1_020_000,
  nodes: [
    { id: 1, callFrame: frame("(root)", ""), children: [2, 5, 6, 7, 8] },
    { id: 2, callFrame: frame("handle", `file://${ROOT}/server/http/transfers.ts`, 41), children: [3] },
    { id: 3, callFrame: frame("save", `${ROOT}/server/persistence/operations.ts`, 9), children: [4] },
    { id: 4, callFrame: frame("query", "/elsewhere/node_modules/pg/lib/client.js", 99) },
    { id: 5, callFrame: frame("(idle)", "") },
    { id: 6, callFrame: frame("(garbage collector)", "") },
    { id: 7, callFrame: frame("JSON.parse", "") },
    { id: 8, callFrame: frame("handle", `file://${ROOT}/server/http/transfers.ts`, 41) },
  ],
  // 20 samples: handle 4+2, save 3, query 5, idle 4, gc 1, JSON.parse 1.
  samples: [2, 2, 2, 2, 8, 8, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 6, 7],
  timeDeltas: Array.from({ length: 20 }, () => 1000),
};

describe("summarizeProfile: the top functions and areas of a CPU profile (pure)", function () {
  it("counts self samples per function name and url:line across the tree, largest first, with percentages", function () {
    const s = summarizeProfile(PROFILE, { root: ROOT });
    expect(s.samples).to.equal(20);
    expect(s.durationMs).to.equal(20);
    expect(s.top.slice(0, 3)).to.deep.equal([
      { name: "handle server/http/transfers.ts:42", samples: 6, percent: 30 },
      { name: "query /elsewhere/node_modules/pg/lib/client.js:100", samples: 5, percent: 25 },
      { name: "(idle)", samples: 4, percent: 20 },
    ]);
    expect(s.top.map((t) => t.name)).to.include("save server/persistence/operations.ts:10");
  });

  it("groups self samples by area: server directories, top-level packages, node internals, idle and GC", function () {
    const s = summarizeProfile(PROFILE, { root: ROOT });
    expect(s.areas).to.deep.equal([
      { area: "server/http", samples: 6, percent: 30 },
      { area: "idle/GC", samples: 5, percent: 25 },
      { area: "node_modules/pg", samples: 5, percent: 25 },
      { area: "server/persistence", samples: 3, percent: 15 },
      { area: "node internals", samples: 1, percent: 5 },
    ]);
  });

  it("keeps only topN functions; an empty profile gives empty lists", function () {
    expect(summarizeProfile(PROFILE, { topN: 2 }).top).to.have.length(2);
    const empty = summarizeProfile({ nodes: [], startTime: 0, endTime: 0 });
    expect(empty).to.deep.equal({ samples: 0, durationMs: 0, top: [], areas: [] });
  });

  it("names areas: scoped packages, node: modules, server's top-level files, folders found without a root", function () {
    expect(areaOf(frame("f", "/x/node_modules/@scope/pkg/dist/a.js"))).to.equal("node_modules/@scope/pkg");
    expect(areaOf(frame("f", "/x/node_modules/a/node_modules/b/i.js"))).to.equal("node_modules/b");
    expect(areaOf(frame("f", "node:internal/streams/readable"))).to.equal("node internals");
    expect(areaOf(frame("f", `${ROOT}/server/main.ts`), ROOT)).to.equal("server");
    expect(areaOf(frame("f", "/other/checkout/server/chain/ledger.ts"))).to.equal("server/chain");
    expect(areaOf(frame("f", "/tmp/x.js"), ROOT)).to.equal("other");
  });
});
