/**
 * Request examples shown in the OpenAPI document, by operation: realistic and valid (a test parses each with its
 * route's schema). Accounts are Hardhat's development accounts; deadlines are far in the future (2030-01-01);
 * signatures are 65 bytes (r, s, v) as a wallet returns them.
 */
export const HOLDER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
export const RECIPIENT = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
export const OPERATOR = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
export const OWNER = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
export const VERIFIER = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
export const DEADLINE = "1893456000";
export const SIGNATURE =
  "0x5f1c4a0e3c2b8d7e6f9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a" +
  "2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80912" +
  "1b";
export const REF = "0x7472616e736665722d323032362d31322d303100000000000000000000000000";
export const DOCUMENT_HASH = "0x3e7f4b6c1d2a9e8f0b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a";

export const REQUEST_EXAMPLES: Record<string, unknown> = {
  signIn: {
    message:
      "portal.example.kz wants you to sign in with your Ethereum account:\n" +
      `${HOLDER}\n\n` +
      "Sign in to the secured digital assets platform.\n\n" +
      "URI: https://portal.example.kz\nVersion: 1\nChain ID: 1337\nNonce: 9f86d081884c7d659a2feaa0c55ad015\n" +
      "Issued At: 2026-12-01T10:00:00.000Z",
    signature: SIGNATURE,
  },
  submitTransfer: {
    authorization: {
      from: HOLDER,
      to: RECIPIENT,
      assetId: "1",
      amount: "250",
      nonce: "3",
      deadline: DEADLINE,
      ref: REF,
    },
    signature: SIGNATURE,
  },
  submitRedemption: {
    holder: HOLDER,
    assetId: "1",
    amount: "100",
    nonce: "4",
    deadline: DEADLINE,
    ref: REF,
    signature: SIGNATURE,
  },
  registerParticipant: {
    address: HOLDER,
    kind: "NaturalPerson",
    identity: { fullName: "Aigerim Nurlanovna Sadykova", iin: "860311401648", document: "ID 045123987" },
    acknowledgement: { version: 1, deadline: DEADLINE, signature: SIGNATURE },
  },
  freezeParticipant: { reason: "Financial monitoring order 14/2026 of 1 December 2026" },
  unfreezeParticipant: { reason: "Order 14/2026 lifted on review" },
  publishDisclosure: {
    text: "Secured digital assets carry risks: the value of the collateral may fall, and ...",
    uri: "https://platform.example.kz/disclosures/risk-v2.pdf",
  },
  acknowledgeDisclosure: { account: HOLDER, deadline: DEADLINE, signature: SIGNATURE },
  fileIssuanceRequest: {
    owner: OWNER,
    assetType: "GRAIN",
    decision: {
      documentHash: DOCUMENT_HASH,
      uri: "https://issuer.example.kz/decisions/2026-41.pdf",
      rightsType: "0x7269676874206f6620636c61696d000000000000000000000000000000000000",
      rightsExtent: "One unit: the right to receive 1 tonne of wheat, class 3, from the Kostanay elevator",
      units: "10000",
    },
    issuer: {
      legalName: "Dala Grain LLP",
      bin: "040340001283",
      registeredAddress: "Kostanay, Baitursynov street 65",
    },
    evidenceHash: "0x9b2e6c1f0a3d4e5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3",
    verifier: VERIFIER,
    nonce: "1",
    deadline: DEADLINE,
    ownerSignature: SIGNATURE,
  },
  attestCollateral: { verifier: VERIFIER, expiry: DEADLINE, signature: SIGNATURE },
  suspendAsset: { reason: "Collateral under inspection (warehouse receipt 77/2026 disputed)" },
  resumeAsset: { reason: "Inspection closed: collateral confirmed" },
  declareObligationsFulfilled: { deadline: DEADLINE, signature: SIGNATURE },
  changeDecisionDocument: {
    documentHash: "0x4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d",
    uri: "https://issuer.example.kz/decisions/2026-41-amended.pdf",
    reason: "Elevator changed after the merger of 1 November 2026",
    deadline: DEADLINE,
    issuerSignature: SIGNATURE,
  },
  setFrozenUnits: { account: HOLDER, amount: "50" },
  forcedTransfer: {
    from: HOLDER,
    to: RECIPIENT,
    assetId: "1",
    amount: "250",
    basis: "CourtDecision",
    ref: REF,
  },
  grantPermit: {
    operator: OPERATOR,
    legalName: "Steppe Digital Assets JSC",
    bin: "990740000683",
    permitNumber: "DA-2026-0007",
    scope: "Operation of a platform for secured digital assets",
  },
  suspendPermit: { reason: "Audit findings 3/2026 to be remedied", until: "2027-03-01T00:00:00Z" },
  revokePermit: {
    courtDecision: "Decision of the Specialised Inter-district Economic Court of Astana, case 7194-26-00-2/312",
  },
  listAssetType: { code: "GRAIN", name: "Grain stored in a certified elevator", category: "TangibleAsset" },
  grantRole: { account: VERIFIER },
  createMonitoringRule: {
    name: "Large single movement",
    kind: "single-movement",
    thresholdUnits: "5000",
    enabled: true,
  },
  updateMonitoringRule: {
    name: "Repeated movements within a day",
    kind: "window-aggregate",
    thresholdUnits: "10000",
    windowSeconds: 86400,
    minCount: 3,
    enabled: true,
  },
  setDeclaredValue: { unitValue: "98500.00", currency: "KZT" },
  acknowledgeMonitoringReport: { note: "Reviewed by the compliance officer" },
  closeMonitoringReport: { note: "No suspicious activity: seasonal trade" },
  createSubscription: {
    url: "https://hooks.example.kz/sda",
    eventTypes: ["record.posted", "participant.frozen"],
    filters: { assetIds: ["1"] },
    description: "Registry of the issuer's back office",
    startAt: "now",
  },
  replaySubscription: { fromSequence: 120 },
  resyncMirror: { fromBlock: 1200 },
};
REQUEST_EXAMPLES.submitMyTransfer = REQUEST_EXAMPLES.submitTransfer;
REQUEST_EXAMPLES.submitMyRedemption = REQUEST_EXAMPLES.submitRedemption;
REQUEST_EXAMPLES.acknowledgeMyDisclosure = { version: 1, deadline: DEADLINE, signature: SIGNATURE };
REQUEST_EXAMPLES.fileMyIssuanceRequest = REQUEST_EXAMPLES.fileIssuanceRequest;
REQUEST_EXAMPLES.declareMyObligationsFulfilled = REQUEST_EXAMPLES.declareObligationsFulfilled;
REQUEST_EXAMPLES.changeMyDecisionDocument = REQUEST_EXAMPLES.changeDecisionDocument;
REQUEST_EXAMPLES.prepareMyIssuanceRequest = {
  assetType: "GRAIN",
  decision: {
    document: "JVBERi0xLjcKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKJSVFT0YK",
    uri: "https://issuer.example.kz/decisions/2026-41.pdf",
    rightsType: "OWNERSHIP_SHARE",
    rightsExtent: "One unit: the right to receive 1 tonne of wheat, class 3, from the Kostanay elevator",
    units: "10000",
  },
  issuer: { legalName: "Dala Grain LLP", bin: "040340001283", registeredAddress: "Kostanay, Baitursynov street 65" },
  evidenceHash: "0x9b2e6c1f0a3d4e5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3",
  verifier: VERIFIER,
  validitySeconds: 86400,
};
REQUEST_EXAMPLES.attestMyCollateral = REQUEST_EXAMPLES.attestCollateral;
