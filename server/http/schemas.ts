import { checksumAddress } from "../domain/address";
import { z } from "./openapi";
import type { AppContext } from "../context";
import { viewOperation } from "../services/operations";
import type { HandlerResult } from "./route";
import { OPERATION_KINDS } from "../domain/operation-kinds";
import { OPERATION_STATUSES } from "../domain/statuses";

const UINT256_MAX = (1n << 256n) - 1n;

export const Address = z
  .string()
  .refine((v) => checksumAddress(v) !== null, {
    message: "must be a 0x-prefixed 20-byte address (checksum if mixed case)",
  })
  .transform((v) => checksumAddress(v)!)
  .openapi({ type: "string", example: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" });
export const Uint = z
  .string()
  .refine(
    (v) => /^(0|[1-9][0-9]{0,77})$/.test(v) && BigInt(v) <= UINT256_MAX,
    "must be a non-negative integer (decimal string) that fits in uint256",
  )
  .openapi({ type: "string", example: "100" });
export const PositiveUint = z
  .string()
  .refine(
    (v) => /^[1-9][0-9]{0,77}$/.test(v) && BigInt(v) <= UINT256_MAX,
    "must be a positive integer (decimal string) that fits in uint256",
  )
  .openapi({ type: "string", example: "100" });
export const Bytes32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes as 0x-prefixed hex")
  .openapi({ example: "0x" + "00".repeat(32) });
export const Signature = z
  .string()
  .regex(/^0x([0-9a-fA-F]{2})+$/, "must be 0x-prefixed hex")
  .max(4098)
  .openapi({
    description: "65 bytes (r, s, v) as a wallet returns them",
    example:
      "0x5f1c4a0e3c2b8d7e6f9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809121b",
  });
/** Every time in a response: ISO 8601 in UTC with milliseconds (`2026-12-01T09:14:02.118Z`). */
export const Time = z.iso
  .datetime()
  .openapi({ type: "string", format: "date-time", example: "2026-12-01T09:14:02.118Z" });
export const WaitQuery = z.object({
  wait: z.enum(["true", "false"]).optional().openapi({ description: "wait until the operation is posted or failed" }),
});
export const AddressParam = z.object({ address: Address });
export const AssetIdParam = z.object({ assetId: PositiveUint });

export const OperationSchema = z
  .object({
    id: z.string(),
    kind: z.enum(OPERATION_KINDS),
    status: z.enum(OPERATION_STATUSES),
    createdAt: Time,
    updatedAt: Time,
    signerAddress: z
      .string()
      .optional()
      .openapi({ description: "the address of the key that signed the transaction carrying it (once sent)" }),
    txHash: z.string().optional(),
    blockNumber: z.number().optional(),
    recordSequence: z.string().optional().openapi({
      description: "the posted record's sequence in its asset (transfer, issuance, redemption, forced transfer)",
    }),
    recordHash: z.string().optional(),
    rightsArisenAt: Time.optional().openapi({
      description: "block time of the posted record: the moment rights arise (Art. 6.6)",
    }),
    events: z.array(z.unknown()).optional(),
    error: z
      .object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() })
      .optional(),
  })
  .openapi("Operation");
export const OperationResponse = z.object({ operation: OperationSchema }).openapi("OperationResponse", {
  example: {
    operation: {
      id: "3f0c6a52-8d1e-4b7a-9c2f-5e6d7a8b9c0d",
      kind: "transfer",
      status: "posted",
      createdAt: "2026-12-01T09:14:02.118Z",
      updatedAt: "2026-12-01T09:14:05.730Z",
      txHash: "0x8d1f0c3b2a4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8",
      blockNumber: 48213,
      recordSequence: "1207",
      recordHash: "0x1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f",
      rightsArisenAt: "2026-12-01T09:14:05.000Z",
    },
  },
});
export const OPERATION_RESPONSES = {
  200: { description: "Settled (posted or failed) within the wait", schema: OperationResponse },
  202: { description: "Accepted: poll /v1/operations/{id}", schema: OperationResponse },
};

/** 202 with the operation, or — with ?wait=true — 200 once it is posted or failed. */
export async function accepted(
  ctx: AppContext,
  op: Parameters<typeof viewOperation>[0],
  wait: string | undefined,
  target?: string,
): Promise<HandlerResult> {
  if (wait !== "true") return { status: 202, body: { operation: viewOperation(op) }, target };
  const { operation, settled } = await ctx.services.operations.waitFor(op, ctx.config.waitTimeoutMs);
  return { status: settled ? 200 : 202, body: { operation }, target };
}

export const Json = z.record(z.string(), z.unknown());
