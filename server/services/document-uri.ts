import { AppError } from "../errors";

/**
 * The gateway's policy for the addresses of published documents (decisions, disclosures): https, and plain http
 * only where the operator allows it (DOCUMENT_URI_ALLOW_HTTP, for a development stack or a closed network). The
 * form of the URI is checked at the edge (http/validation.ts); this is the deployment's choice on top.
 */
export class DocumentUriPolicy {
  constructor(readonly allowHttp: boolean) {}

  check(uri: string): void {
    if (!this.allowHttp && /^http:/i.test(uri)) throw new AppError("DOCUMENT_URI_SCHEME_NOT_ALLOWED", { uri });
  }
}
