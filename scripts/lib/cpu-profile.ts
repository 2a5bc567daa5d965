/**
 * Summary of a V8 CPU profile (the JSON of a `.cpuprofile` file, as node:inspector's `Profiler.stop` returns it):
 * the functions with the most self time and the time by area of the code. Pure: no I/O, no clock.
 *
 * Self time is counted in samples: each sample names the node (function) that was running when it was taken.
 */

export interface CallFrame {
  functionName: string;
  scriptId?: string;
  url: string;
  /** 0-based, -1 when unknown. */
  lineNumber: number;
  columnNumber?: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  /** The node running at each sample. */
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionShare {
  /** `name url:line` (line 1-based), with the url relative to the root when it lies under it. */
  name: string;
  samples: number;
  /** Percentage of all samples. */
  percent: number;
}

export interface AreaShare {
  area: string;
  samples: number;
  percent: number;
}

export interface ProfileSummary {
  samples: number;
  /** Wall time the profile covers, ms. */
  durationMs: number;
  top: FunctionShare[];
  areas: AreaShare[];
}

/** V8's pseudo-functions for time not spent in JavaScript. */
const IDLE = new Set(["(idle)", "(garbage collector)"]);

/** The path of a script url without its file:// scheme. */
function pathOf(url: string): string {
  if (!url.startsWith("file://")) return url;
  try {
    return decodeURIComponent(new URL(url).pathname);
  } catch {
    return url.slice("file://".length);
  }
}

/** `url` relative to `root` when it lies under it (root without a trailing slash), else the path itself. */
function relativeTo(path: string, root?: string): string {
  if (root && path.startsWith(root + "/")) return path.slice(root.length + 1);
  return path;
}

/**
 * The area a frame belongs to: `idle/GC`, `node internals` (node: modules, V8 builtins, native code),
 * `node_modules/<package>` (the top-level package, scoped ones with their scope), `server/<directory>` (or `server`
 * for its top-level files), `scripts`, `test`, else `other`.
 */
export function areaOf(frame: CallFrame, root?: string): string {
  if (IDLE.has(frame.functionName)) return "idle/GC";
  const url = frame.url;
  if (url === "" || url.startsWith("node:") || !/[/\\]/.test(url)) return "node internals";
  const path = pathOf(url).replace(/\\/g, "/");
  const nm = path.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const parts = path.slice(nm + "/node_modules/".length).split("/");
    const pkg = parts[0].startsWith("@") && parts.length > 1 ? `${parts[0]}/${parts[1]}` : parts[0];
    return `node_modules/${pkg}`;
  }
  let rel = relativeTo(path, root);
  if (rel === path) {
    // Not under the root: find the project's own folders by name.
    const m = /\/((?:server|scripts|test)\/.*)$/.exec(path);
    if (!m) return "other";
    rel = m[1];
  }
  const parts = rel.split("/");
  if (parts[0] === "server") return parts.length > 2 ? `server/${parts[1]}` : "server";
  if (parts[0] === "scripts" || parts[0] === "test") return parts[0];
  return "other";
}

/** How a frame is named in the top list: function name (or `(anonymous)`) and its place. */
export function frameName(frame: CallFrame, root?: string): string {
  const fn = frame.functionName || "(anonymous)";
  if (!frame.url) return fn;
  const place = relativeTo(pathOf(frame.url), root);
  return frame.lineNumber >= 0 ? `${fn} ${place}:${frame.lineNumber + 1}` : `${fn} ${place}`;
}

const percent = (n: number, total: number) => (total === 0 ? 0 : Math.round((1000 * n) / total) / 10);

/**
 * The `topN` functions by self samples (aggregated by name and url:line across the call tree) and every area's
 * share, both sorted by samples, largest first (ties by name).
 */
export function summarizeProfile(profile: CpuProfile, options: { root?: string; topN?: number } = {}): ProfileSummary {
  const { root, topN = 15 } = options;
  const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const selfById = new Map<number, number>();
  for (const id of profile.samples ?? []) selfById.set(id, (selfById.get(id) ?? 0) + 1);
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let total = 0;
  for (const [id, count] of selfById) {
    const node = byId.get(id);
    if (!node) continue;
    total += count;
    const name = frameName(node.callFrame, root);
    byFunction.set(name, (byFunction.get(name) ?? 0) + count);
    const area = areaOf(node.callFrame, root);
    byArea.set(area, (byArea.get(area) ?? 0) + count);
  }
  const ranked = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return {
    samples: total,
    durationMs: Math.round((profile.endTime - profile.startTime) / 1000),
    top: ranked(byFunction)
      .slice(0, topN)
      .map(([name, samples]) => ({ name, samples, percent: percent(samples, total) })),
    areas: ranked(byArea).map(([area, samples]) => ({ area, samples, percent: percent(samples, total) })),
  };
}
