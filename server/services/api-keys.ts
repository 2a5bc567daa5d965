import { createHash, randomBytes, randomUUID } from "node:crypto";
import { IsNull } from "typeorm";
import type { Database } from "../persistence/data-source";
import { ApiClient } from "../persistence/entities";
import type { Role } from "../persistence/entities";

export const hashApiKey = (secret: string): string => createHash("sha256").update(secret, "utf8").digest("hex");

/** API clients of the authority, operators, verifiers and monitors. Only the SHA-256 of a key is stored. */
export class ApiKeyService {
  private cache = new Map<string, { client: ApiClient | null; at: number }>();
  constructor(private readonly db: Database, private readonly cacheMs = 5_000) {}

  /** Creates a client and returns its secret, which is shown once and never stored. */
  async create(name: string, role: Role): Promise<{ client: ApiClient; secret: string }> {
    const secret = `sda_${role}_${randomBytes(32).toString("base64url")}`;
    const client = Object.assign(new ApiClient(), {
      id: randomUUID(), name, role, keyHash: hashApiKey(secret), createdAt: new Date().toISOString(), revokedAt: null,
    });
    await this.db.transaction((em) => em.insert(ApiClient, client));
    return { client, secret };
  }

  async revoke(idOrName: string): Promise<number> {
    const at = new Date().toISOString();
    const result = await this.db.transaction(async (em) => {
      const byId = await em.update(ApiClient, { id: idOrName, revokedAt: IsNull() }, { revokedAt: at });
      if (byId.affected) return byId.affected;
      const rows = await em.find(ApiClient, { where: { name: idOrName } });
      let n = 0;
      for (const r of rows) if (!r.revokedAt) { await em.update(ApiClient, { id: r.id }, { revokedAt: at }); n++; }
      return n;
    });
    this.cache.clear();
    return result;
  }

  list(): Promise<ApiClient[]> {
    return this.db.manager.find(ApiClient, { order: { createdAt: "ASC" } });
  }

  /** The active client holding this secret, or null. */
  async authenticate(secret: string): Promise<ApiClient | null> {
    const hash = hashApiKey(secret);
    const hit = this.cache.get(hash);
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.client;
    const client = await this.db.manager.findOneBy(ApiClient, { keyHash: hash });
    const active = client && !client.revokedAt ? client : null;
    this.cache.set(hash, { client: active, at: Date.now() });
    return active;
  }
}
