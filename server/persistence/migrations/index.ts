import { Initial1764072000000 } from "./1764072000000-Initial";
import { Events1764090000000 } from "./1764090000000-Events";
import { Mirror1764100000000 } from "./1764100000000-Mirror";
import { Supervision1764110000000 } from "./1764110000000-Supervision";
import { OperationRecipient1764120000000 } from "./1764120000000-OperationRecipient";
import { MirrorFaults1764131000000 } from "./1764131000000-MirrorFaults";
import { Sessions1764140000000 } from "./1764140000000-Sessions";
import { MirrorBalanceReads1764150000000 } from "./1764150000000-MirrorBalanceReads";
import { MirrorRegisters1764160000000 } from "./1764160000000-MirrorRegisters";
import { OperationSignerAddress1764170000000 } from "./1764170000000-OperationSignerAddress";
import { OperationClaim1764180000000 } from "./1764180000000-OperationClaim";
import { MirrorReads1764190000000 } from "./1764190000000-MirrorReads";
import { IssuanceVerifier1764200000000 } from "./1764200000000-IssuanceVerifier";
import { MirrorStatusReads1764210000000 } from "./1764210000000-MirrorStatusReads";

/** Every migration, oldest first: a new one is appended here. */
export const MIGRATIONS = [
  Initial1764072000000,
  Events1764090000000,
  Mirror1764100000000,
  Supervision1764110000000,
  OperationRecipient1764120000000,
  MirrorFaults1764131000000,
  Sessions1764140000000,
  MirrorBalanceReads1764150000000,
  MirrorRegisters1764160000000,
  OperationSignerAddress1764170000000,
  OperationClaim1764180000000,
  MirrorReads1764190000000,
  IssuanceVerifier1764200000000,
  MirrorStatusReads1764210000000,
];
