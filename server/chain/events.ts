import { LogDescription } from "ethers";
import type { EventFragment, Interface } from "ethers";

/**
 * Decodes a contract's logs by topic. `Interface.parseLog` looks the event up by recomputing every fragment's
 * topic hash (a keccak per fragment per log); a batch receipt carries two logs per transfer, so the lookup is
 * done once here.
 */
export class EventParser {
  private readonly byTopic = new Map<string, EventFragment>();

  constructor(private readonly iface: Interface) {
    iface.forEachEvent((fragment) => this.byTopic.set(fragment.topicHash, fragment));
  }

  /** The decoded event, or null when the log is not one of this contract's events or does not decode. */
  parse(log: { topics: readonly string[]; data: string }): LogDescription | null {
    const topic = log.topics[0];
    const fragment = topic === undefined ? undefined : this.byTopic.get(topic);
    if (!fragment) return null;
    try {
      return new LogDescription(fragment, topic, this.iface.decodeEventLog(fragment, log.data, log.topics));
    } catch {
      return null;
    }
  }
}
