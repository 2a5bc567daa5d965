import {
  AbiCoder,
  checkResultErrors,
  Contract,
  FetchRequest,
  isCallException,
  isError,
  JsonRpcProvider,
  ParamType,
  Result,
  getAddress,
} from "ethers";
import type { BlockTag, FunctionFragment, Interface, JsonFragmentType, TypedDataDomain, TypedDataField } from "ethers";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import type { SecuredAssetLedger } from "../../typechain-types";
import type {
  DefaultReturnType,
  TypedContractEvent,
  TypedContractMethod,
  TypedDeferredTopicFilter,
  TypedEventLog,
} from "../../typechain-types/common";
import type { Config } from "../config";
import { readDeployment } from "./deployment";
import type { Deployment } from "./deployment";
import { ledgerDomain } from "../domain/eip712";
import { asBytes, EventParser, holdsUnstorableText, relax } from "./events";
import type { IllFormedText } from "./events";
import { ChainLiveness } from "./liveness";
import { JsonRpcClient } from "./rpc";
import { addressWord, TransferStateReads, word } from "./transfer-state";
import type { TransferQuery, TransferState } from "./transfer-state";
import type { RawLog } from "./decode";
import { defaultSignatureThreads } from "./signatures";
import type { SignatureThreads } from "./signatures";
import { openSigners } from "./signer-load";
import type { SignerHealth, TransactionSigner } from "./signer";
import { AppError, CONTRACT_ERROR_CODES } from "../errors";
import { ledgerRoleName } from "../domain/ledger-roles";
import type { ErrorCode } from "../errors";
import type { SignerName } from "../domain/roles";

const ERC1271_ABI = ["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"];
const ERC1271_MAGIC = "0x1626ba7e";

/** The parts of a receipt the gateway uses, read without ethers' formatting (which checksums every log address). */
export interface MinedReceipt {
  hash: string;
  blockNumber: number;
  /** 1 success, 0 reverted. */
  status: number;
  gasUsed: bigint;
  logs: RawLog[];
}

interface RpcReceipt {
  transactionHash: string;
  blockNumber: string;
  status: string;
  gasUsed: string;
  logs: RawLog[];
}

/**
 * A ledger read that may hold text which is not UTF-8 (any client of the ledger can post such text): the value,
 * ill-formed text in it in its readable form (U+FFFD), and each such text with its exact bytes.
 */
export interface LenientRead<T> {
  value: T;
  /** Paths relative to `value` (assetInfo: `decisionURI`; `<output>.<field>` for several outputs); empty when all is well-formed. */
  texts: IllFormedText[];
}

/** One ledger event's log, read leniently: its arguments (ill-formed text readable), each such text, and where it is. */
export interface LedgerLog<E extends TypedContractEvent> {
  args: TypedEventLog<E>["args"];
  texts: IllFormedText[];
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
}

/** Ill-formed chain text as a read endpoint reports it: the response field that shows its readable form, and its bytes. */
export interface TextFault {
  field: string;
  hex: string;
}

/**
 * The text faults of a response part: `at` is either a prefix for every path in `texts`, or a map from the paths
 * the response shows to their fields (text not shown is not reported).
 */
export function textFaults(
  texts: readonly IllFormedText[],
  at: string | Readonly<Record<string, string>> = "",
): TextFault[] {
  return texts.flatMap((t) => {
    const field = typeof at === "string" ? at + t.arg : Object.hasOwn(at, t.arg) ? at[t.arg] : undefined;
    return field === undefined ? [] : [{ field, hex: t.hex }];
  });
}

export interface DecodedRevert {
  code: ErrorCode;
  name: string;
  args: Record<string, string>;
  /**
   * What the arguments mean, for the error's details: for a missing role, the account and the role's name
   * (`role`, the hash when the platform has no name for it) and `roles` (any one of them would do). Empty otherwise.
   */
  context: Record<string, unknown>;
}

/** The account and the role(s) it lacks, named, when a revert is an access-control refusal. */
function revertContext(name: string, args: Record<string, string>): Record<string, unknown> {
  if (name === "AccessControlUnauthorizedAccount") {
    const role = ledgerRoleName(args.neededRole ?? "") ?? args.neededRole;
    return { account: args.account, role, roles: [role] };
  }
  return {};
}

/** Chain access: provider, the ledger (typechain), the gateway's transaction signers and the EIP-712 domain. */
export class LedgerClient {
  readonly iface: Interface;
  readonly ledger: SecuredAssetLedger;
  readonly domain: TypedDataDomain;
  readonly events: EventParser;
  private readonly selectors: { nonceOf: string; checkTransfer: string };
  /** The outputs of view functions with their strings typed as bytes, by selector (see `view`). */
  private readonly bytesOutputs = new Map<string, readonly ParamType[]>();
  /** For the frequent and bulky reads; `provider` (ethers) for the rest. */
  readonly rpc: JsonRpcClient;
  private readonly transferStates: TransferStateReads;
  private constructor(
    readonly provider: JsonRpcProvider,
    readonly deployment: Deployment,
    readonly chainId: bigint,
    /** Who signs the gateway's transactions, by lane: a local key or a remote signer (see signer.ts). */
    private readonly signers: Partial<Record<SignerName, TransactionSigner>>,
    /** Signature threads: EIP-712 digests, signer recovery, signing with local keys, encoding batch calldata. */
    readonly signatures: SignatureThreads,
    rpcUrl: string,
    /** Whether the node answers, probed in the background (503 at once while it does not). */
    readonly liveness: ChainLiveness,
  ) {
    this.rpc = new JsonRpcClient(rpcUrl, 30_000, () => liveness.outage);
    this.ledger = SecuredAssetLedger__factory.connect(deployment.ledger, provider);
    this.iface = SecuredAssetLedger__factory.createInterface();
    this.domain = ledgerDomain(chainId, deployment.ledger);
    this.events = new EventParser(this.iface);
    this.selectors = {
      nonceOf: this.iface.getFunction("nonceOf")!.selector,
      checkTransfer: this.iface.getFunction("checkTransfer")!.selector,
    };
    this.transferStates = new TransferStateReads(this.rpc, deployment.ledger, (q) => this.transferStateAlone(q));
  }

  /**
   * Connects, checks the chain id against the configuration and the deployment, and opens the signers (local keys
   * installed in the signature threads; remote signers asked for their accounts).
   */
  static async connect(config: Config): Promise<LedgerClient> {
    const deployment = await readDeployment(config.deploymentFile).catch((err: Error) => {
      throw new Error(`cannot read the deployment file ${config.deploymentFile}: ${err.message}`);
    });
    const expected = config.chainId ?? deployment.chainId;
    const req = new FetchRequest(config.rpcUrl);
    req.timeout = 30_000;
    const provider = new JsonRpcProvider(req, expected, {
      staticNetwork: true,
      batchMaxCount: 20,
      batchStallTime: 2,
      pollingInterval: config.pollIntervalMs,
      cacheTimeout: -1,
    });
    const actual = BigInt((await provider.send("eth_chainId", [])) as string);
    if (actual !== BigInt(expected)) {
      provider.destroy();
      throw new Error(`chain id mismatch: the node at ${config.rpcUrl} reports ${actual}, expected ${expected}`);
    }
    if (BigInt(deployment.chainId) !== actual) {
      provider.destroy();
      throw new Error(`the deployment file is for chain ${deployment.chainId}, the node is chain ${actual}`);
    }
    const code = await provider.getCode(deployment.ledger);
    if (code === "0x") {
      provider.destroy();
      throw new Error(`no ledger contract at ${deployment.ledger} on this node; deploy the platform first`);
    }
    let opened: Awaited<ReturnType<typeof openSigners>>;
    try {
      opened = await openSigners(
        config,
        ledgerDomain(actual, deployment.ledger),
        actual,
        config.signatureThreads ?? defaultSignatureThreads(),
      );
    } catch (err) {
      provider.destroy();
      throw err;
    }
    const liveness = new ChainLiveness(config.rpcUrl, {
      intervalMs: config.chainProbeIntervalMs ?? 1_000,
      timeoutMs: config.chainProbeTimeoutMs ?? 1_000,
    });
    liveness.start();
    return new LedgerClient(provider, deployment, actual, opened.signers, opened.threads, config.rpcUrl, liveness);
  }

  get operatorAddress(): string {
    return this.signer("operator").address;
  }

  /** The signer of a lane; AUTHORITY_KEY_NOT_CONFIGURED when this gateway signs nothing for the authority. */
  signer(name: SignerName): TransactionSigner {
    const s = this.signers[name];
    if (!s) {
      if (name === "authority") throw new AppError("AUTHORITY_KEY_NOT_CONFIGURED");
      throw new Error(`no ${name} signer configured`);
    }
    return s;
  }

  /** The signer of a lane (its `address` is what callers read); `signer` under the name callers already use. */
  wallet(name: SignerName): TransactionSigner {
    return this.signer(name);
  }

  hasSigner(name: SignerName): boolean {
    return this.signers[name] !== undefined;
  }

  hasWallet(name: SignerName): boolean {
    return this.hasSigner(name);
  }

  /** Each configured signer's health, asked in parallel (a remote signer's eth_accounts; a local key is always up). */
  async probeSigners(): Promise<Partial<Record<SignerName, SignerHealth>>> {
    const entries = Object.entries(this.signers) as [SignerName, TransactionSigner][];
    return Object.fromEntries(await Promise.all(entries.map(async ([name, s]) => [name, await s.probe()] as const)));
  }

  /** Decodes a revert into the ledger's custom error and its stable code; null if the error is not a revert. */
  decodeRevert(err: unknown): DecodedRevert | null {
    const data = revertData(err);
    if (data === undefined) return null;
    if (data && data !== "0x") {
      try {
        const parsed = this.iface.parseError(data);
        if (parsed) {
          const args: Record<string, string> = {};
          parsed.fragment.inputs.forEach((input, i) => {
            args[input.name || String(i)] = String(parsed.args[i]);
          });
          return {
            code: CONTRACT_ERROR_CODES[parsed.name] ?? "TRANSACTION_REVERTED",
            name: parsed.name,
            args,
            context: revertContext(parsed.name, args),
          };
        }
      } catch {
        /* unknown selector */
      }
    }
    return { code: "TRANSACTION_REVERTED", name: "Unknown", args: { data: data ?? "" }, context: {} };
  }

  /** Off-chain EIP-712 check: ECDSA recovery (on the signature threads), or ERC-1271 for contract wallets. */
  async isValidSignature(
    signer: string,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
    signature: string,
  ): Promise<boolean> {
    let digest: string;
    try {
      digest = this.signatures.digest(types, value);
    } catch {
      return false; // a value that does not fit its type cannot have been signed
    }
    const recovered = await this.signatures.recover(digest, signature);
    if (recovered !== null && getAddress(recovered) === getAddress(signer)) return true;
    const code = await this.provider.getCode(signer);
    if (code === "0x") return false;
    try {
      const wallet = new Contract(signer, ERC1271_ABI, this.provider);
      const result = (await wallet.isValidSignature(digest, signature)) as string;
      return result.toLowerCase() === ERC1271_MAGIC;
    } catch {
      return false;
    }
  }

  /**
   * The ledger's verdict on a transfer (its TransferCheck code) and the sender's next nonce, at the latest block:
   * answered with the other requests' in one `eth_call` (see TransferStateReads).
   */
  transferState(operator: string, from: string, to: string, assetId: bigint, amount: bigint): Promise<TransferState> {
    return this.transferStates.read({ operator, from, to, assetId, amount });
  }

  /** `nonceOf` and `checkTransfer` as two calls (in the JSON-RPC batch of the turn): a query the reader could not answer. */
  private async transferStateAlone(q: TransferQuery): Promise<TransferState> {
    const ledger = this.deployment.ledger;
    const [nonce, check] = await Promise.all([
      this.rpc.call<string>("eth_call", [
        { to: ledger, data: this.selectors.nonceOf + addressWord(q.from) + word(q.assetId) },
        "latest",
      ]),
      this.rpc.call<string>("eth_call", [
        {
          to: ledger,
          data:
            this.selectors.checkTransfer +
            addressWord(q.operator) +
            addressWord(q.from) +
            addressWord(q.to) +
            word(q.assetId) +
            word(q.amount),
        },
        "latest",
      ]),
    ]);
    return { nonce: BigInt(nonce), check: Number(BigInt(check)) };
  }

  /**
   * Calls a view function of the ledger, like typechain, except that text which is not UTF-8 does not throw when
   * read: ethers defers such an error until the value is used, so one value posted by any client of the ledger
   * would fail every later read of it. Decoded strictly; if an element does not decode, decoded again with strings
   * as bytes and each ill-formed text relaxed to its readable form (as the EventParser does for logs). A revert
   * throws as from typechain. Use it for the views that return strings; typechain for the others.
   */
  async view<A extends unknown[], R>(
    method: TypedContractMethod<A, R, "view">,
    args: A,
  ): Promise<LenientRead<DefaultReturnType<R>>> {
    const fragment = method.fragment;
    const data = await this.provider.call({
      to: this.deployment.ledger,
      data: this.iface.encodeFunctionData(fragment, args),
    });
    let result = this.iface.decodeFunctionResult(fragment, data);
    const texts: IllFormedText[] = [];
    if (checkResultErrors(result).length > 0 || holdsUnstorableText(result)) {
      const raw = AbiCoder.defaultAbiCoder().decode(this.bytesOutputsOf(fragment), data);
      const errors = checkResultErrors(raw);
      if (errors.length > 0) throw errors[0].error; // something other than text is wrong
      // A single output is returned unwrapped (as typechain does): its texts' paths start inside it.
      const single = fragment.outputs.length === 1;
      const values = fragment.outputs.map((p, i) => relax(p, raw[i], single ? "" : p.name || String(i), texts));
      result = Result.fromItems(
        values,
        fragment.outputs.map((p) => p.name || null),
      );
      for (const t of texts) t.arg = t.arg.replace(/^\./, "");
    }
    // The Result has the function's outputs, names and order: the shape typechain declares for it.
    return { value: (fragment.outputs.length === 1 ? result[0] : result) as DefaultReturnType<R>, texts };
  }

  /**
   * The logs of one ledger event (a typechain filter), decoded by the EventParser rather than typechain's parsing,
   * whose string arguments throw when read if they are not UTF-8: ill-formed text comes back readable, with its
   * bytes in `texts`. A log that does not decode as the event is passed over (the mirror reports it as a fault).
   * Use it for events with string arguments; typechain's `queryFilter` for the others.
   */
  async logs<E extends TypedContractEvent>(
    filter: TypedDeferredTopicFilter<E>,
    fromBlock: BlockTag,
  ): Promise<LedgerLog<E>[]> {
    const logs = await this.provider.getLogs({
      address: this.deployment.ledger,
      topics: await filter.getTopicFilter(),
      fromBlock,
    });
    return logs.flatMap((log) => {
      const decoded = this.events.decode(log);
      if (!decoded?.event) return [];
      // The Result has the event's arguments, names and order: the shape typechain declares for it.
      const args = decoded.event.args as unknown as TypedEventLog<E>["args"];
      return [
        {
          args,
          texts: decoded.fault?.texts ?? [],
          blockNumber: log.blockNumber,
          transactionHash: log.transactionHash,
          logIndex: log.index,
        },
      ];
    });
  }

  private bytesOutputsOf(fragment: FunctionFragment): readonly ParamType[] {
    let outputs = this.bytesOutputs.get(fragment.selector);
    if (!outputs) {
      const json = JSON.parse(fragment.format("json")) as { outputs: JsonFragmentType[] };
      outputs = json.outputs.map((p) => ParamType.from(asBytes(p)));
      this.bytesOutputs.set(fragment.selector, outputs);
    }
    return outputs;
  }

  /** The receipt of a mined transaction, or null while it is not mined. */
  async receipt(hash: string): Promise<MinedReceipt | null> {
    const r = await this.rpc.send<RpcReceipt | null>("eth_getTransactionReceipt", [hash]);
    if (!r || !r.blockNumber) return null;
    return {
      hash: r.transactionHash,
      blockNumber: Number(BigInt(r.blockNumber)),
      status: Number(BigInt(r.status)),
      gasUsed: BigInt(r.gasUsed),
      logs: r.logs,
    };
  }

  /** Whether the node answered its last probe (no request to the node: /readyz must answer when it does not). */
  isReachable(): Promise<boolean> {
    return Promise.resolve(this.liveness.available);
  }

  async destroy(): Promise<void> {
    await this.liveness.stop();
    for (const s of Object.values(this.signers)) s.close();
    this.provider.destroy();
    await this.signatures.destroy();
  }
}

/** The revert data in an ethers error, or undefined when the error is not a revert (network, timeout...). */
export function revertData(err: unknown): string | null | undefined {
  if (isCallException(err)) return err.data ?? null;
  const e = err as {
    data?: unknown;
    info?: { error?: { data?: unknown; message?: string } };
    error?: { data?: unknown; message?: string };
    message?: string;
  };
  for (const d of [e?.data, e?.info?.error?.data, e?.error?.data]) {
    if (typeof d === "string" && d.startsWith("0x")) return d;
    if (d && typeof d === "object" && typeof (d as { data?: unknown }).data === "string")
      return (d as { data: string }).data;
  }
  const msg = e?.info?.error?.message ?? e?.error?.message ?? e?.message ?? "";
  if (isError(err, "UNKNOWN_ERROR") && /revert/i.test(msg)) return null;
  return undefined;
}
