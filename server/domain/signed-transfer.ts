/**
 * A holder's signed transfer as the API takes it and the outbox stores it: the EIP-712 TransferAuthorization
 * (numbers as decimal strings, `ref` as bytes32 hex) and the holder's 65-byte signature.
 */
export interface SignedTransfer {
  authorization: {
    from: string;
    to: string;
    assetId: string;
    amount: string;
    nonce: string;
    deadline: string;
    ref: string;
  };
  signature: string;
}
