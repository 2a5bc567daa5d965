import { keccak256 } from "ethers/crypto";
import { ApiProblem } from "../api/client";
import type { Locale, MessageKey } from "../i18n";
import { requestAccount, WalletError } from "../wallet";
import type { Eip1193Provider, WalletChoice } from "../wallet";

/** What the portal hands its owner and verifier screens: the language, the session and the wallet to sign with. */
export interface PortalContext {
  locale: Locale;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  /** The localized reason of a refusal (an API code's message when the catalogue has one). */
  reason(err: unknown): string;
  /** The signed-in participant's address, or null (the verifier's queue needs no wallet session). */
  address: string | null;
  /** The wallet of the session's address (asked on demand: a reload forgets which wallet signed in). */
  signer(): Promise<Eip1193Provider>;
  /** The wallets the browser announced (EIP-6963). */
  wallets: WalletChoice[];
  /** Told of every refusal; the portal acts on those that concern it all (an ended session: back to sign-in). */
  onError(err: unknown): void;
}

/** An issuance request as the API shows it (the filing less the signature, and its state). */
export interface IssuanceRequestView {
  id: string;
  status: "filed" | "attested" | "submitted" | "posted" | "refused";
  owner: string;
  assetType: string;
  assetTypeLabel: string | null;
  decision?: { documentHash: string; uri: string; rightsType: string; rightsExtent: string; units: string };
  issuer?: { legalName: string; bin: string; registeredAddress: string };
  evidenceHash?: string;
  verifier?: string;
  nonce?: string;
  attestation?: { verifier: string; expiry: string } | null;
  operationId: string | null;
  assetId: string | null;
  refusal: { code: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
}

/** keccak-256 of a file's bytes, computed in the browser: the document itself is never uploaded. */
export async function hashFile(file: File): Promise<string> {
  return keccak256(new Uint8Array(await file.arrayBuffer()));
}

/** A bytes32 label (rights type, asset type code) as text, when it is one; else the hex. */
export function label(bytes32: string, known: string | null = null): string {
  if (known) return known;
  const hex = bytes32.replace(/^0x/, "").replace(/(00)+$/, "");
  if (!/^([0-9a-f]{2})+$/i.test(hex)) return bytes32;
  const text = new TextDecoder().decode(Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16))));
  return /^[\x20-\x7e]+$/.test(text) ? text : bytes32;
}

/** Field-level messages of a refusal: the API's VALIDATION_FAILED paths, and the codes that name one field. */
export function fieldsOf(err: unknown, codes: Record<string, string>, reason: string): Record<string, string> {
  if (!(err instanceof ApiProblem)) return {};
  const fields = err.fieldErrors();
  const field = err.code ? codes[err.code] : undefined;
  if (field) fields[field] = reason;
  return fields;
}

/** The announced wallet that holds `address` (asked with eth_accounts), else the first one once connected to it. */
export async function walletFor(wallets: WalletChoice[], address: string, wrong: string): Promise<Eip1193Provider> {
  const own = (a: string) => a.toLowerCase() === address.toLowerCase();
  for (const w of wallets) {
    const accounts = (await w.provider.request({ method: "eth_accounts" }).catch(() => [])) as string[];
    if (accounts.some(own)) return w.provider;
  }
  for (const w of wallets) if (own(await requestAccount(w.provider))) return w.provider;
  throw new WalletError(wrong);
}
