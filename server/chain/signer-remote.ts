import { Transaction, getAddress, isHexString, keccak256, toQuantity } from "ethers";
import { withDeadline } from "../deadline";
import type { SignerName } from "../domain/roles";
import { SignerUnavailableError } from "./signer";
import type { SignerHealth, TransactionSigner } from "./signer";
import type { EncodableCall, SignedTransaction, TransactionData, UnsignedTransaction } from "./signatures";

/** A readiness probe waits at most this long (or the signing deadline, if shorter). */
const PROBE_MS = 2_000;

interface RpcAnswer {
  result?: unknown;
  error?: { code?: number; message?: string };
}

export interface RemoteSignerOptions {
  /** The chain the signed transactions must be for (Web3Signer signs with its own `eth1 --chain-id`). */
  chainId: bigint;
  /** Deadline of one call to the signer. */
  timeoutMs: number;
  /** Encodes a `call` body (a batch's calldata) off the event loop; the signer is sent the data. */
  encode(call: EncodableCall): Promise<string>;
}

/**
 * A key held by a remote signer speaking Web3Signer's eth1 JSON-RPC API (EthSigner-compatible), which Web3Signer
 * serves on its HTTP port (default 9000) at the root path; see
 * https://docs.web3signer.consensys.io/reference/api/json-rpc :
 * - `eth_accounts` → the addresses it signs for: checked at start (`verify`) and by /readyz (`probe`);
 * - `eth_signTransaction` [{ from, to, gas, nonce, data, gasPrice | maxFeePerGas + maxPriorityFeePerGas }] → the
 *   signed transaction's serialisation, for a later eth_sendRawTransaction. Web3Signer requires the nonce, signs an
 *   EIP-1559 transaction when both max fees are given (else legacy, EIP-155) and uses its configured chain id.
 * The key never enters this process; only the transaction's fields and data go out. The answer is checked (sender,
 * chain, nonce, fees, gas, recipient, data) before the gateway stores it: a wrong one is never stored or sent.
 */
export class RemoteSigner implements TransactionSigner {
  readonly kind = "remote" as const;
  readonly address: string;
  private nextId = 1;
  /** Aborts calls in progress at shutdown. */
  private readonly closing = new AbortController();
  /** Why the last signing was refused or got a wrong answer, until one succeeds: /readyz reports it though eth_accounts answers. */
  private fault: string | null = null;

  constructor(
    readonly name: SignerName,
    readonly url: string,
    address: string,
    private readonly options: RemoteSignerOptions,
  ) {
    this.address = getAddress(address);
  }

  /** At start: the signer answers and lists the configured address; throws otherwise (the gateway does not start). */
  async verify(): Promise<void> {
    const accounts = await this.accounts(this.options.timeoutMs);
    if (!accounts.includes(this.address)) {
      throw new SignerUnavailableError(
        this.name,
        `${this.address} is not among its accounts (eth_accounts: ${accounts.join(", ") || "none"}); check ${this.name.toUpperCase()}_ADDRESS and the signer's keys`,
        this.origin,
      );
    }
  }

  async probe(): Promise<SignerHealth> {
    try {
      const accounts = await this.accounts(Math.min(PROBE_MS, this.options.timeoutMs));
      if (!accounts.includes(this.address))
        return { available: false, reason: `${this.address} is not among its accounts` };
    } catch (err) {
      return { available: false, reason: reasonOf(err) };
    }
    return this.fault ? { available: false, reason: this.fault } : { available: true };
  }

  async signTransaction(tx: UnsignedTransaction, body: TransactionData): Promise<SignedTransaction> {
    const data = "data" in body ? body.data : await this.options.encode(body.call);
    const fees =
      tx.type === 2
        ? {
            maxFeePerGas: toQuantity(tx.maxFeePerGas ?? 0n),
            maxPriorityFeePerGas: toQuantity(tx.maxPriorityFeePerGas ?? 0n),
          }
        : { gasPrice: toQuantity(tx.gasPrice ?? 0n) };
    const request = {
      from: this.address,
      to: tx.to,
      gas: toQuantity(tx.gasLimit),
      nonce: toQuantity(tx.nonce),
      data,
      ...fees,
    };
    const raw = await this.call("eth_signTransaction", [request], this.options.timeoutMs);
    const problem =
      typeof raw === "string" && isHexString(raw) ? this.differences(raw, tx, data) : "its answer is not a hex string";
    if (problem) {
      this.fault = `it answered a transaction other than the one asked: ${problem}`;
      throw new SignerUnavailableError(this.name, this.fault, this.origin);
    }
    this.fault = null;
    return { raw: raw as string, hash: keccak256(raw as string) };
  }

  close(): void {
    this.closing.abort(new Error("the gateway is stopping"));
  }

  /** Where the signer is, for messages (without a path or credentials). */
  private get origin(): string {
    try {
      return new URL(this.url).origin;
    } catch {
      return "(invalid URL)";
    }
  }

  private async accounts(timeoutMs: number): Promise<string[]> {
    const result = await this.call("eth_accounts", [], timeoutMs);
    if (!Array.isArray(result))
      throw new SignerUnavailableError(this.name, "eth_accounts did not answer a list", this.origin);
    return result.flatMap((a) => {
      try {
        return typeof a === "string" ? [getAddress(a)] : [];
      } catch {
        return [];
      }
    });
  }

  /** One JSON-RPC call under `withDeadline`; any failure (no answer, HTTP error, JSON-RPC error) is a SignerUnavailableError. */
  private async call(method: string, params: unknown[], timeoutMs: number): Promise<unknown> {
    let answer: RpcAnswer;
    try {
      answer = await withDeadline(timeoutMs, this.closing.signal, async (signal) => {
        const res = await fetch(this.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          signal,
          body: JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params }),
        });
        // Web3Signer answers a refused call with HTTP 400 and a JSON-RPC error body: keep its reason.
        const body: unknown = await res.json().catch(() => null);
        if (body && typeof body === "object" && !Array.isArray(body) && "error" in body) return body;
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        if (!body || typeof body !== "object" || Array.isArray(body)) throw new Error("not a JSON-RPC answer");
        return body;
      });
    } catch (err) {
      throw new SignerUnavailableError(this.name, `${method}: no answer (${reasonOf(err)})`, this.origin);
    }
    if (answer.error) {
      const reason = `${method} refused: ${answer.error.message ?? "no message"} (code ${answer.error.code ?? "none"})`;
      // A refusal to sign is not seen by eth_accounts: /readyz reports it until a signature succeeds.
      if (method === "eth_signTransaction") this.fault = reason;
      throw new SignerUnavailableError(this.name, reason, this.origin);
    }
    return answer.result;
  }

  /** What differs between the signed transaction `raw` and the one asked; null when it is that one, by this signer. */
  private differences(raw: string, tx: UnsignedTransaction, data: string): string | null {
    let signed: Transaction;
    try {
      signed = Transaction.from(raw);
    } catch {
      return "it does not parse as a signed transaction";
    }
    if (!signed.isSigned() || !signed.from || getAddress(signed.from) !== this.address)
      return `signed by ${signed.from ?? "nobody"}, not ${this.address}`;
    const expected: [string, unknown, unknown][] = [
      ["chainId", signed.chainId, this.options.chainId],
      ["type", signed.type, tx.type],
      ["nonce", signed.nonce, tx.nonce],
      ["to", signed.to && getAddress(signed.to), getAddress(tx.to)],
      ["gas", signed.gasLimit, tx.gasLimit],
      ["value", signed.value, 0n],
      ["data", signed.data.toLowerCase(), data.toLowerCase()],
      ...(tx.type === 2
        ? ([
            ["maxFeePerGas", signed.maxFeePerGas, tx.maxFeePerGas],
            ["maxPriorityFeePerGas", signed.maxPriorityFeePerGas, tx.maxPriorityFeePerGas],
          ] as [string, unknown, unknown][])
        : ([["gasPrice", signed.gasPrice, tx.gasPrice ?? 0n]] as [string, unknown, unknown][])),
    ];
    const wrong = expected.filter(([, got, want]) => got !== want).map(([field]) => field);
    return wrong.length ? `${wrong.join(", ")} differ${wrong.length === 1 ? "s" : ""}` : null;
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof SignerUnavailableError) return err.reason;
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${(err.cause as NodeJS.ErrnoException).code ?? err.cause.message}` : "";
  return `${err.message}${cause}`;
}
