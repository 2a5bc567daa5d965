/** EIP-1193 providers, discovered through EIP-6963 (several wallets side by side), else window.ethereum. */

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

export interface WalletChoice {
  /** EIP-6963 uuid, or "injected" for window.ethereum. */
  id: string;
  name: string;
  icon?: string;
  provider: Eip1193Provider;
}

interface AnnounceDetail {
  info: { uuid: string; name: string; icon: string; rdns: string };
  provider: Eip1193Provider;
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
  interface WindowEventMap {
    "eip6963:announceProvider": CustomEvent<AnnounceDetail>;
  }
}

/**
 * Listens for wallets announcing themselves (now and later: an extension may load after the page) and asks those
 * already loaded to announce. `onChange` gets the whole list each time it grows.
 */
export function discoverWallets(onChange: (wallets: WalletChoice[]) => void): () => void {
  const found = new Map<string, WalletChoice>();
  const emit = () => {
    const list = [...found.values()];
    // The legacy injected provider only when no wallet announced itself (it is usually one of them).
    if (list.length === 0 && window.ethereum)
      list.push({ id: "injected", name: "Browser wallet", provider: window.ethereum });
    onChange(list);
  };
  const onAnnounce = (e: CustomEvent<AnnounceDetail>) => {
    const { info, provider } = e.detail ?? {};
    if (!info?.uuid || typeof provider?.request !== "function" || found.has(info.uuid)) return;
    found.set(info.uuid, { id: info.uuid, name: info.name, icon: info.icon, provider });
    emit();
  };
  window.addEventListener("eip6963:announceProvider", onAnnounce);
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  emit();
  return () => window.removeEventListener("eip6963:announceProvider", onAnnounce);
}

export class WalletError extends Error {}

async function call<T>(provider: Eip1193Provider, method: string, params?: unknown[]): Promise<T> {
  try {
    return (await provider.request({ method, params })) as T;
  } catch (err) {
    const e = err as { message?: string; code?: number };
    throw new WalletError(e?.message ?? String(err));
  }
}

export async function requestAccount(provider: Eip1193Provider): Promise<string> {
  const accounts = await call<string[]>(provider, "eth_requestAccounts");
  if (!accounts?.[0]) throw new WalletError("no account");
  return accounts[0];
}

export async function chainId(provider: Eip1193Provider): Promise<number> {
  return Number(BigInt(await call<string>(provider, "eth_chainId")));
}

/** personal_sign of UTF-8 text, hex-encoded as wallets expect. */
export function personalSign(provider: Eip1193Provider, address: string, text: string): Promise<string> {
  const hex =
    "0x" +
    Array.from(new TextEncoder().encode(text))
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
  return call<string>(provider, "personal_sign", [hex, address]);
}

export function signTypedData(provider: Eip1193Provider, address: string, payload: unknown): Promise<string> {
  return call<string>(provider, "eth_signTypedData_v4", [address, JSON.stringify(payload)]);
}
