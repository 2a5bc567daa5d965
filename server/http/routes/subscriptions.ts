import { z } from "../openapi";
import { decodeCursor, pageBody, PageOf, PageQuery } from "../pagination";
import { defineRoute } from "../route";
import { Address, Json, PositiveUint, Time } from "../schemas";
import { BodyInt, Line } from "../validation";
import { EVENT_TYPES } from "../../domain/event-types";

const SUBSCRIBERS = ["authority", "operator", "monitor"] as const;
const IdParam = z.object({ id: z.string().uuid() });
const Subscription = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    issuer: z.string().nullable(),
    clientId: z.string(),
    eventTypes: z.array(z.string()),
    filters: z.object({ assetIds: z.array(z.string()).nullable(), accounts: z.array(z.string()).nullable() }),
    status: z.enum(["active", "paused", "deleted"]),
    lastSequence: z.number(),
    cursorEventSeq: z.number(),
    createdAt: Time,
    updatedAt: Time,
  })
  .openapi("Subscription");
const Delivery = z
  .object({
    id: z.string(),
    sequence: z.number(),
    eventSeq: z.number(),
    eventType: z.string(),
    status: z.enum(["pending", "delivered"]),
    attempts: z.number(),
    nextAttemptAt: Time.nullable(),
    lastStatusCode: z.number().nullable(),
    lastError: z.string().nullable(),
    lastAttemptAt: Time.nullable(),
    deliveredAt: Time.nullable(),
    createdAt: Time,
  })
  .openapi("SubscriptionDelivery");

const CreateBody = z
  .object({
    url: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .openapi({ example: "https://hooks.example.kz/sda" }),
    eventTypes: z.array(z.enum(EVENT_TYPES)).min(1).max(EVENT_TYPES.length),
    filters: z
      .object({
        assetIds: z.array(PositiveUint).max(100).optional(),
        accounts: z
          .array(Address)
          .max(100)
          .optional()
          .openapi({ description: "the event's account or counterparty is one of these" }),
      })
      .strict()
      .optional(),
    issuer: Address.optional().openapi({
      description: "operators only: the issuer this subscription is for (default account filter)",
    }),
    description: Line(200).optional(),
    startAt: z
      .enum(["now", "beginning"])
      .default("now")
      .openapi({ description: "deliver events from now on (default) or the whole log" }),
  })
  .strict();

export default [
  defineRoute({
    method: "post",
    path: "/v1/subscriptions",
    operationId: "createSubscription",
    tag: "subscriptions",
    idempotency: "optional",
    roles: [...SUBSCRIBERS],
    errors: ["SUBSCRIPTION_URL_INVALID", "SUBSCRIPTION_URL_NOT_ALLOWED", "FORBIDDEN"],
    summary:
      "Subscribe a webhook URL to event types, with filters; the signing secret (Standard Webhooks `whsec_…`) is returned once",
    body: CreateBody,
    responses: {
      201: {
        description: "created; keep the secret",
        schema: z.object({ subscription: Subscription, secret: z.string() }),
      },
    },
    handler: async (ctx, { body, client }) => {
      const r = await ctx.services.supervision.subscriptions.create(client!, {
        ...body,
        assetIds: body.filters?.assetIds,
        accounts: body.filters?.accounts,
      });
      return { status: 201, body: r, target: `subscription:${r.subscription.id}` };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/subscriptions",
    operationId: "listSubscriptions",
    tag: "subscriptions",
    roles: [...SUBSCRIBERS],
    errors: [],
    summary: "Your subscriptions (the authority sees all)",
    query: PageQuery,
    responses: { 200: { description: "subscriptions", schema: PageOf(Subscription) } },
    handler: async (ctx, { query, client, url }) => ({
      status: 200,
      body: pageBody(
        url,
        await ctx.services.supervision.subscriptions.list(client!, {
          limit: query.limit,
          after: decodeCursor(query.cursor, ["string", "string"]),
        }),
      ),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/subscriptions/{id}",
    operationId: "getSubscription",
    tag: "subscriptions",
    roles: [...SUBSCRIBERS],
    errors: ["SUBSCRIPTION_NOT_FOUND"],
    summary: "A subscription with its backlog",
    params: IdParam,
    responses: { 200: { description: "subscription", schema: Json } },
    handler: async (ctx, { params, client }) => ({
      status: 200,
      body: await ctx.services.supervision.subscriptions.get(client!, params.id),
    }),
  }),
  defineRoute({
    method: "post",
    path: "/v1/subscriptions/{id}/pause",
    operationId: "pauseSubscription",
    tag: "subscriptions",
    idempotency: "optional",
    roles: [...SUBSCRIBERS],
    errors: ["SUBSCRIPTION_NOT_FOUND"],
    summary: "Pause deliveries (events keep queueing from the cursor when resumed)",
    params: IdParam,
    responses: { 200: { description: "paused", schema: z.object({ subscription: Subscription }) } },
    handler: async (ctx, { params, client }) => ({
      status: 200,
      body: { subscription: await ctx.services.supervision.subscriptions.setStatus(client!, params.id, "paused") },
    }),
  }),
  defineRoute({
    method: "post",
    path: "/v1/subscriptions/{id}/resume",
    operationId: "resumeSubscription",
    tag: "subscriptions",
    idempotency: "optional",
    roles: [...SUBSCRIBERS],
    errors: ["SUBSCRIPTION_NOT_FOUND"],
    summary: "Resume deliveries",
    params: IdParam,
    responses: { 200: { description: "active", schema: z.object({ subscription: Subscription }) } },
    handler: async (ctx, { params, client }) => ({
      status: 200,
      body: { subscription: await ctx.services.supervision.subscriptions.setStatus(client!, params.id, "active") },
    }),
  }),
  defineRoute({
    method: "delete",
    path: "/v1/subscriptions/{id}",
    operationId: "deleteSubscription",
    tag: "subscriptions",
    idempotency: "optional",
    roles: [...SUBSCRIBERS],
    errors: ["SUBSCRIPTION_NOT_FOUND"],
    summary: "Delete a subscription (its delivery history is kept)",
    params: IdParam,
    responses: { 200: { description: "deleted", schema: z.object({ deleted: z.literal(true) }) } },
    handler: async (ctx, { params, client }) => {
      await ctx.services.supervision.subscriptions.remove(client!, params.id);
      return { status: 200, body: { deleted: true } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/subscriptions/{id}/deliveries",
    operationId: "listSubscriptionDeliveries",
    tag: "subscriptions",
    roles: [...SUBSCRIBERS],
    errors: ["SUBSCRIPTION_NOT_FOUND"],
    summary: "Deliveries in sequence order with their status, attempts and last error",
    params: IdParam,
    query: PageQuery.extend({ status: z.enum(["pending", "delivered"]).optional() }),
    responses: { 200: { description: "deliveries", schema: PageOf(Delivery) } },
    handler: async (ctx, { params, query, client, url }) => ({
      status: 200,
      body: pageBody(
        url,
        await ctx.services.supervision.subscriptions.deliveries(client!, params.id, {
          status: query.status,
          limit: query.limit,
          after: decodeCursor(query.cursor, ["number"]),
        }),
      ),
    }),
  }),
  defineRoute({
    method: "post",
    path: "/v1/subscriptions/{id}/replay",
    operationId: "replaySubscription",
    tag: "subscriptions",
    idempotency: "optional",
    roles: [...SUBSCRIBERS],
    errors: ["REPLAY_SEQUENCE_INVALID", "SUBSCRIPTION_NOT_FOUND"],
    summary: "Resend every delivery from a sequence number on, in order, with the same sequence numbers",
    params: IdParam,
    body: z.object({ fromSequence: BodyInt(1) }).strict(),
    responses: {
      200: {
        description: "queued again",
        schema: z.object({ replayed: z.number(), fromSequence: z.number(), toSequence: z.number() }),
      },
    },
    handler: async (ctx, { params, body, client }) => ({
      status: 200,
      body: await ctx.services.supervision.subscriptions.replay(client!, params.id, body.fromSequence),
    }),
  }),
];
