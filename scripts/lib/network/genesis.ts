import { ZeroAddress, ZeroHash, encodeRlp, toQuantity } from "ethers";

/** The mixHash Besu's IBFT 2.0 and QBFT genesis files carry ("Istanbul block identification", Besu's QBFT docs). */
export const QBFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365";

/**
 * Largest deployed contract, in bytes. The ledger's runtime code is 24,545 bytes, 31 below EIP-170's 24,576, so the
 * next feature could push it over. 49,152 is the initcode limit (EIP-3860) that Besu enforces on contract-creation
 * transactions anyway, so a larger runtime limit could not be reached by a deployment; the limit stays bounded so a
 * runaway deployment is still refused. Local Hardhat runs keep EIP-170: the contracts must still fit there.
 */
export const CONTRACT_SIZE_LIMIT = 49_152;

/**
 * Block gas limit. Gas is free, so the limit only bounds the work of one block: 100 M gas keeps a 1 s block on time
 * on ordinary hardware (Besu's free-gas advice: size it to what validators process in a block period) and is ~28x the
 * largest transaction the gateway sends (a batch of 100 relayed transfers, ~3.5 M gas; the ledger's deployment takes
 * 5.5 M).
 */
export const BLOCK_GAS_LIMIT = 100_000_000;

/** Blocks after which pending validator votes are discarded (Besu's default; never change it on a running network). */
export const EPOCH_LENGTH = 30_000;

/**
 * Round timeout: Besu's advice is twice the block period, then tune; at least 4 s so that a proposer on a small,
 * busy network does not cause round changes (each failed round doubles the timeout).
 */
export function requestTimeoutSeconds(blockPeriodSeconds: number): number {
  return Math.max(4, 2 * blockPeriodSeconds);
}

/**
 * QBFT genesis extraData: RLP([32 bytes vanity, [validator addresses], no vote, round 0, no seals]) as Besu's QBFT
 * docs and QbftExtraDataCodec define it (no vote = empty list, round as an integer scalar: 0 encodes as 0x80).
 */
export function qbftExtraData(validators: readonly string[]): string {
  return encodeRlp([ZeroHash, validators.map((v) => v.toLowerCase()), [], "0x", []]);
}

export interface GenesisParams {
  chainId: number;
  blockPeriodSeconds: number;
  /** Seconds between empty blocks; 0 leaves the key out (an empty block every block period). */
  emptyBlockPeriodSeconds?: number;
  /** Validator addresses in the order written to extraData (ascending, as Besu orders them). */
  validators: readonly string[];
}

export interface Genesis {
  config: Record<string, unknown>;
  nonce: string;
  timestamp: string;
  gasLimit: string;
  difficulty: string;
  mixHash: string;
  coinbase: string;
  baseFeePerGas: string;
  extraData: string;
  alloc: Record<string, { balance: string }>;
  number: string;
  gasUsed: string;
  parentHash: string;
}

export function buildGenesis(p: GenesisParams): Genesis {
  return {
    config: {
      chainId: p.chainId,
      // Every fork up to Cancun from the first block: the contracts are compiled for evmVersion cancun (mcopy,
      // transient storage). Forks up to London are numbered by block, Shanghai and later by timestamp (Besu's
      // genesis reference). No later fork: the compiler target is Cancun and the gateway is tested against it.
      homesteadBlock: 0,
      eip150Block: 0,
      eip155Block: 0,
      eip158Block: 0,
      byzantiumBlock: 0,
      constantinopleBlock: 0,
      petersburgBlock: 0,
      istanbulBlock: 0,
      muirGlacierBlock: 0,
      berlinBlock: 0,
      londonBlock: 0,
      shanghaiTime: 0,
      cancunTime: 0,
      // Free gas, as permissioned networks run: base fee 0 from London on (with min-gas-price=0 on every node).
      zeroBaseFee: true,
      contractSizeLimit: CONTRACT_SIZE_LIMIT,
      qbft: {
        blockperiodseconds: p.blockPeriodSeconds,
        epochlength: EPOCH_LENGTH,
        requesttimeoutseconds: requestTimeoutSeconds(p.blockPeriodSeconds),
        // Without transactions, a block only every emptyblockperiodseconds (the key Besu reads since 26.5.0; the
        // experimental xemptyblockperiodseconds it replaces is gone after 26.8.0). A transaction still goes into
        // the next block period's block.
        ...(p.emptyBlockPeriodSeconds ? { emptyblockperiodseconds: p.emptyBlockPeriodSeconds } : {}),
      },
    },
    nonce: "0x0",
    // Fixed, so the same input gives the same genesis hash (Besu recommends 0x0: any time before the next block).
    timestamp: "0x0",
    gasLimit: toQuantity(BLOCK_GAS_LIMIT),
    difficulty: "0x1",
    mixHash: QBFT_MIX_HASH,
    coinbase: ZeroAddress,
    // Without it Besu gives the London genesis block a base fee of 1 gwei.
    baseFeePerGas: "0x0",
    extraData: qbftExtraData(p.validators),
    // No balances: gas is free (zero base fee, min-gas-price 0), and who may transact is the accounts allowlist.
    alloc: {},
    number: "0x0",
    gasUsed: "0x0",
    parentHash: ZeroHash,
  };
}
