import { HDNodeWallet, Mnemonic, Wallet } from "ethers";
import type { Provider } from "ethers";

/** Hardhat's well-known development mnemonic: local nodes, tests and benchmarks only, never real funds. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Development account `index` (0 deployer, 1 authority, 2 operator, 3 verifier by convention here). */
export function devWallet(index: number, provider?: Provider): Wallet {
  const hd = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);
  return new Wallet(hd.privateKey, provider);
}
