import { getAddress } from "ethers/address";
import { api, csrf, ok } from "./api/client";
import { siweMessage } from "./siwe";
import { personalSign, requestAccount } from "./wallet";
import type { Eip1193Provider, WalletChoice } from "./wallet";
import { html, nothing } from "lit";
import type { TemplateResult } from "lit";

/**
 * Signs in with Ethereum (EIP-4361) through a wallet: the gateway's nonce, the message the wallet signs, then the
 * session (an HttpOnly cookie; its CSRF token kept for this tab). The holder's sign-in and the staff console's use it.
 * Returns the session's address.
 */
export async function signInWithWallet(provider: Eip1193Provider): Promise<string> {
  const address = getAddress(await requestAccount(provider));
  const n = ok(await api.POST("/v1/auth/nonce"));
  const message = siweMessage({
    domain: n.domain,
    address,
    statement: n.statement,
    uri: n.uri,
    version: n.version,
    chainId: n.chainId,
    nonce: n.nonce,
    issuedAt: new Date().toISOString(),
  });
  const signature = await personalSign(provider, address, message);
  const session = ok(await api.POST("/v1/auth/sign-in", { body: { message, signature } }));
  csrf.set(session.csrfToken);
  return session.address;
}

/** The wallets found, one sign-in button each (its icon, "Sign in with <name>"); the text when there is none. */
export function walletButtons(
  wallets: WalletChoice[],
  opts: { busy: boolean; label: (w: WalletChoice) => string; none: string; pick: (w: WalletChoice) => void },
): TemplateResult {
  return wallets.length === 0
    ? html`<p role="status">${opts.none}</p>`
    : html`<ul class="wallets">
        ${wallets.map(
          (w) =>
            html`<li>
              <button type="button" ?disabled=${opts.busy} @click=${() => opts.pick(w)}>
                ${w.icon ? html`<img src=${w.icon} alt="" width="24" height="24" />` : nothing} ${opts.label(w)}
              </button>
            </li>`,
        )}
      </ul>`;
}
