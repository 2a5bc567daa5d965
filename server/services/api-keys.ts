import { createHash, randomBytes, randomUUID } from "node:crypto";
import { IsNull } from "typeorm";
import type { Database } from "../persistence/data-source";
import { ApiClient } from "../persistence/entities";
import type { Role } from "../domain/roles";

export const hashApiKey = (secret: string): string => createHash("sha256").update(secret, "utf8").digest("hex");

/**
 * How long a cached key is trusted without asking the database. Several instances share one database and a
 * revocation evicts only the revoking instance's cache, so this is the bound on staleness elsewhere: a revoked key
 * is refused by every instance at most this long after the revocation commits.
 */
export const API_KEY_CACHE_MS = 5_000;
/** Valid keys kept in memory per instance (least recently used go first); unknown keys are never cached. */
export const API_KEY_CACHE_MAX = 10_000;
/** Issued keys are `sda_<role>_<43 characters>`: a longer secret is refused without hashing or a lookup. */
const MAX_SECRET_LENGTH = 256;

/** A Map kept in recency order (a hit moves to the end); beyond `max` entries the least recently used goes. */
class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}

interface CachedClient {
  client: ApiClient;
  /** When the database last said the key was active (the start of that read). */
  checkedAt: number;
}

/** API clients of the authority, operators, verifiers and monitors. Only the SHA-256 of a key is stored. */
export class ApiKeyService {
  /** Active clients by key hash. No negative entries: random keys must not grow memory or evict real clients. */
  private readonly cache: Lru<string, CachedClient>;
  /** Lookups in flight by key hash: concurrent requests with one key share one query. */
  private readonly lookups = new Map<string, Promise<ApiClient | null>>();
  /** Bumped by each revocation here: a lookup that started before it does not cache what it read. */
  private revocations = 0;

  constructor(
    private readonly db: Database,
    private readonly cacheMs = API_KEY_CACHE_MS,
    maxEntries = API_KEY_CACHE_MAX,
  ) {
    this.cache = new Lru(maxEntries);
  }

  /** Keys in the cache (all of them valid when checked). */
  get size(): number {
    return this.cache.size;
  }

  /** Creates a client and returns its secret, which is shown once and never stored. */
  async create(name: string, role: Role): Promise<{ client: ApiClient; secret: string }> {
    const secret = `sda_${role}_${randomBytes(32).toString("base64url")}`;
    const client = Object.assign(new ApiClient(), {
      id: randomUUID(),
      name,
      role,
      keyHash: hashApiKey(secret),
      createdAt: new Date().toISOString(),
      revokedAt: null,
    });
    await this.db.transaction((em) => em.insert(ApiClient, client));
    return { client, secret };
  }

  /** Revokes a client by id, or every active client of that name; this instance stops accepting them at once. */
  async revoke(idOrName: string): Promise<number> {
    const at = new Date().toISOString();
    const revoked = await this.db.transaction(async (em) => {
      const byId = await em.update(ApiClient, { id: idOrName, revokedAt: IsNull() }, { revokedAt: at });
      if (byId.affected) return [idOrName];
      const rows = await em.find(ApiClient, { where: { name: idOrName, revokedAt: IsNull() } });
      for (const r of rows) await em.update(ApiClient, { id: r.id }, { revokedAt: at });
      return rows.map((r) => r.id);
    });
    this.revocations++;
    const ids = new Set(revoked);
    for (const [hash, entry] of [...this.cache.entries()]) if (ids.has(entry.client.id)) this.cache.delete(hash);
    return revoked.length;
  }

  list(): Promise<ApiClient[]> {
    return this.db.manager.find(ApiClient, { order: { createdAt: "ASC" } });
  }

  /**
   * From memory only, no database: the client a cached key belongs to and whether the entry is still fresh (a stale
   * one was valid less than a cache lifetime ago, or more, and must be checked again), or null for a key not cached.
   */
  cached(secret: string): { client: ApiClient; fresh: boolean } | null {
    if (secret.length > MAX_SECRET_LENGTH) return null;
    const hit = this.cache.get(hashApiKey(secret));
    return hit ? { client: hit.client, fresh: Date.now() - hit.checkedAt < this.cacheMs } : null;
  }

  /** The active client holding this secret, or null. At most one database query per key at a time. */
  async authenticate(secret: string): Promise<ApiClient | null> {
    if (secret.length > MAX_SECRET_LENGTH) return null;
    const hash = hashApiKey(secret);
    const hit = this.cache.get(hash);
    if (hit && Date.now() - hit.checkedAt < this.cacheMs) return hit.client;
    let pending = this.lookups.get(hash);
    if (!pending) {
      pending = this.lookup(hash).finally(() => this.lookups.delete(hash));
      this.lookups.set(hash, pending);
    }
    return pending;
  }

  private async lookup(hash: string): Promise<ApiClient | null> {
    const startedAt = Date.now();
    const revocations = this.revocations;
    const row = await this.db.manager.findOneBy(ApiClient, { keyHash: hash });
    const active = row && !row.revokedAt ? row : null;
    if (!active) this.cache.delete(hash);
    else if (revocations === this.revocations) this.cache.set(hash, { client: active, checkedAt: startedAt });
    return active;
  }
}
