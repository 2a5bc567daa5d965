import type { DatabaseModel } from "./persistence/data-source";
import { ENTITIES } from "./persistence/entities";
import { PlatformEvent } from "./persistence/event-log";
import { SESSION_ENTITIES } from "./persistence/session-entities";
import { MIGRATIONS } from "./persistence/migrations";
import { MIRROR_ENTITIES } from "./mirror/entities";
import { SUPERVISION_ENTITIES } from "./supervision/entities";

/**
 * The gateway's tables, assembled here (the composition root) and handed to `openDatabase`: the persistence layer
 * knows how to open a database, not which parts of the application keep tables in it.
 */
export const GATEWAY_MODEL: DatabaseModel = {
  entities: [...ENTITIES, PlatformEvent, ...SESSION_ENTITIES, ...MIRROR_ENTITIES, ...SUPERVISION_ENTITIES],
  migrations: MIGRATIONS,
};
