import { expect } from "chai";
import type { TestEnv } from "./harness";

/**
 * Every page of a list answered with `asOfBlock` (the mirror's reads), following `next` links from `first` with
 * `limit`: checks each page's status and size (full unless it is the last), and that the walk ends.
 */
export async function allPages<T>(
  env: TestEnv,
  headers: Record<string, string>,
  first: string,
  limit: number,
): Promise<{ items: T[]; pages: number; asOfBlock: number[] }> {
  const items: T[] = [];
  const asOfBlock: number[] = [];
  let next: string | null = `${first}${first.includes("?") ? "&" : "?"}limit=${limit}`;
  let pages = 0;
  while (next) {
    const res = await env.http.get(next).set(headers);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.items.length).to.be.at.most(limit);
    if (res.body.next) expect(res.body.items).to.have.length(limit);
    items.push(...(res.body.items as T[]));
    asOfBlock.push(res.body.asOfBlock as number);
    next = res.body.next as string | null;
    if (++pages > 100) throw new Error("pagination does not end");
  }
  return { items, pages, asOfBlock };
}
