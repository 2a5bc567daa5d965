/** API roles: what an API key may do (staff). Participants act through their own sessions instead. */
export type Role = "authority" | "operator" | "verifier" | "monitor";
export const ROLES: Role[] = ["authority", "operator", "verifier", "monitor"];

/** The platform's signing keys: the operator relays and posts, the authority supervises. */
export type SignerName = "operator" | "authority";

/** Who sent a request with an API key, as the HTTP layer and the services see it (not the stored key). */
export interface ApiCaller {
  id: string;
  name: string;
  role: Role;
}
