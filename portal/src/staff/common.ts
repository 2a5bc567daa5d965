import { LitElement, html, nothing } from "lit";
import type { TemplateResult } from "lit";
import { ApiProblem, ok } from "../api/client";
import type { Operation } from "../api/client";
import { formatTime, hasMessage, translate } from "../i18n";
import type { Locale, MessageKey } from "../i18n";

/** The roles an API key may carry (server/domain/roles.ts). */
export type StaffRole = "authority" | "operator" | "verifier" | "monitor";

type Answer<T> = { data?: T; error?: unknown; response: Response };
interface Page<T> {
  items: T[];
  next: string | null;
}

/** The cursor in a list's `next` link (the link carries the same filters, which the caller passes again). */
export function cursorOf(next: string | null): string | undefined {
  return next ? (new URL(next, location.origin).searchParams.get("cursor") ?? undefined) : undefined;
}

/** A list shown page by page: "more" asks for the page after the API's `next` cursor. */
export class Paged<T> {
  items: T[] = [];
  next: string | null = null;
  loaded = false;
  constructor(private readonly fetchPage: (cursor: string | undefined) => Promise<Answer<Page<T>>>) {}

  async reload(): Promise<void> {
    const page = ok(await this.fetchPage(undefined));
    this.items = page.items;
    this.next = page.next;
    this.loaded = true;
  }

  async more(): Promise<void> {
    if (!this.next) return;
    const page = ok(await this.fetchPage(cursorOf(this.next)));
    this.items = [...this.items, ...page.items];
    this.next = page.next;
  }
}

/** What a form shows after its last submission: field errors next to the fields, or one message. */
interface FormState {
  fields: Record<string, string>;
  error: string | null;
  done: string | null;
  busy: boolean;
  /** Kept while a request is unanswered (network failure): a retry is the same request to the gateway. */
  key: string | null;
}

type Choice = readonly (string | { value: string; label: string })[];
interface InputOptions {
  type?: string;
  required?: boolean;
  value?: string;
  choices?: Choice;
  multiline?: boolean;
  hint?: string;
}

/**
 * A staff console: light DOM like the portal (its styles and labels apply), the page's locale, the lists and forms
 * every console shares. Writes go through `write`: one Idempotency-Key per submission, kept for a retry.
 */
export abstract class StaffConsole extends LitElement {
  static properties = { locale: { attribute: false } };
  locale: Locale = "en";
  protected forms: Record<string, FormState> = {};
  protected loadError: string | null = null;

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  connectedCallback(): void {
    super.connectedCallback();
    void this.guard(() => this.load());
  }

  /** Reads what the console shows first. */
  protected abstract load(): Promise<void>;

  protected t(key: MessageKey, vars?: Record<string, string | number>): string {
    return translate(this.locale, key, vars);
  }

  protected reason(err: unknown): string {
    if (err instanceof ApiProblem) {
      const key = `code.${err.code ?? ""}`;
      return hasMessage(key) ? this.t(key) : err.message;
    }
    return err instanceof Error ? err.message : String(err);
  }

  /** A recorded failure (an operation's): the catalogue's words for its code, else the gateway's. */
  protected failure(e: { code: string; message: string }): string {
    const key = `code.${e.code}`;
    return hasMessage(key) ? this.t(key) : e.message;
  }

  /** Runs a read; its failure is shown once at the top of the console. */
  protected async guard(read: () => Promise<void>): Promise<void> {
    try {
      await read();
      this.loadError = null;
    } catch (err) {
      this.loadError = this.t("error.generic", { detail: this.reason(err) });
    }
    this.requestUpdate();
  }

  private form(id: string): FormState {
    return (this.forms[id] ??= { fields: {}, error: null, done: null, busy: false, key: null });
  }

  /**
   * Runs a form's request once at a time: a second submission while one is under way does nothing. Field errors
   * (VALIDATION_FAILED) go next to the fields, `fieldOf` puts other refusals next to the field they concern.
   * Returns the result, or null when refused.
   */
  protected async attempt<T>(
    id: string,
    run: () => Promise<T>,
    fieldOf: (code: string | undefined) => string | undefined = () => undefined,
  ): Promise<T | null> {
    const f = this.form(id);
    if (f.busy) return null;
    Object.assign(f, { busy: true, fields: {}, error: null, done: null });
    this.requestUpdate();
    try {
      return await run();
    } catch (err) {
      if (err instanceof ApiProblem) {
        const fields = err.fieldErrors();
        const field = fieldOf(err.code);
        if (field) fields[field] = this.reason(err);
        // A field the form does not show (a body member named otherwise) is named in the form's own message.
        const shown = Object.entries(fields).filter(([name]) => this.querySelector(`#${id}-${name}`));
        const other = Object.entries(fields).filter(([name]) => !this.querySelector(`#${id}-${name}`));
        f.fields = Object.fromEntries(shown);
        if (shown.length === 0 || other.length > 0)
          f.error = other.length ? other.map(([name, message]) => `${name}: ${message}`).join("; ") : this.reason(err);
      } else {
        f.error = this.reason(err);
      }
      return null;
    } finally {
      f.busy = false;
      this.requestUpdate();
    }
  }

  /**
   * A write: the Idempotency-Key is made in the browser per submission and reused only if the gateway never
   * answered (a retry is then the same request); an operation that failed on chain is shown as the form's error.
   */
  protected write<T>(
    id: string,
    send: (headers: { "Idempotency-Key": string }) => Promise<Answer<T>>,
    fieldOf?: (code: string | undefined) => string | undefined,
  ): Promise<T | null> {
    const f = this.form(id);
    return this.attempt(
      id,
      async () => {
        f.key ??= crypto.randomUUID();
        const answer = await send({ "Idempotency-Key": f.key });
        f.key = null;
        const data = ok(answer);
        const op = (data as { operation?: Operation }).operation;
        if (op?.status === "failed")
          throw new Error(this.t("op.failed", { reason: op.error ? this.failure(op.error) : "" }));
        return data;
      },
      fieldOf,
    );
  }

  /** A message under the form once its write has gone through. */
  protected done(id: string, text: string): void {
    this.form(id).done = text;
    this.requestUpdate();
  }

  protected busy(id: string): boolean {
    return this.form(id).busy;
  }

  /** A labelled input (or select, or textarea) with its field error next to it, tied by aria-describedby. */
  protected input(form: string, name: string, label: MessageKey, o: InputOptions = {}): TemplateResult {
    const id = `${form}-${name}`;
    const error = this.form(form).fields[name];
    const describedBy = [error ? `${id}-error` : "", o.hint ? `${id}-hint` : ""].filter(Boolean).join(" ") || nothing;
    const invalid = error ? "true" : "false";
    const control = o.choices
      ? html`<select id=${id} name=${name} aria-invalid=${invalid} aria-describedby=${describedBy}>
          ${o.choices.map((c) =>
            typeof c === "string"
              ? html`<option value=${c} ?selected=${c === o.value}>${c}</option>`
              : html`<option value=${c.value} ?selected=${c.value === o.value}>${c.label}</option>`,
          )}
        </select>`
      : o.multiline
        ? html`<textarea
            id=${id}
            name=${name}
            rows="4"
            ?required=${o.required ?? true}
            aria-invalid=${invalid}
            aria-describedby=${describedBy}
          ></textarea>`
        : html`<input
            id=${id}
            name=${name}
            type=${o.type ?? "text"}
            autocomplete="off"
            spellcheck="false"
            .value=${o.value ?? ""}
            ?required=${o.required ?? true}
            aria-invalid=${invalid}
            aria-describedby=${describedBy}
          />`;
    return html`<div class="field">
      <label for=${id}>${this.t(label)}</label>
      ${control} ${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : nothing}
      ${error ? html`<p class="field-error" id="${id}-error" role="alert" data-field-error=${name}>${error}</p>` : nothing}
    </div>`;
  }

  /** The form's outcome: an error (role=alert) or what was done (role=status). */
  protected outcome(id: string): TemplateResult {
    const f = this.form(id);
    return html`${f.error ? html`<p class="notice error" role="alert" data-form-error=${id}>${f.error}</p>` : nothing}
      <p role="status" data-form-done=${id}>${f.done ?? nothing}</p>`;
  }

  /** A form named by its heading (a landmark a screen reader lists), submitting without the browser's own checks. */
  protected formBlock(
    id: string,
    heading: MessageKey,
    submit: (e: SubmitEvent) => void,
    body: TemplateResult,
  ): TemplateResult {
    return html`<form aria-labelledby="${id}-heading" data-form=${id} novalidate @submit=${submit}>
      <h3 id="${id}-heading">${this.t(heading)}</h3>
      ${body} ${this.outcome(id)}
    </form>`;
  }

  protected submitButton(id: string, label: MessageKey, value?: string): TemplateResult {
    return html`<button type="submit" name="action" value=${value ?? nothing} ?disabled=${this.busy(id)}>
      ${this.t(label)}
    </button>`;
  }

  /** "More" under a list while the API says more follow. */
  protected more<T>(list: Paged<T>, label: MessageKey): TemplateResult | typeof nothing {
    return list.next
      ? html`<button type="button" @click=${() => this.guard(() => list.more())}>${this.t(label)}</button>`
      : nothing;
  }

  protected time(iso: string | null | undefined): TemplateResult | string {
    return iso ? html`<time datetime=${iso}>${formatTime(this.locale, iso)}</time>` : "—";
  }

  protected state(status: string): string {
    const key = `state.${status}`;
    return hasMessage(key) ? this.t(key) : status;
  }

  protected kind(kind: string): string {
    const key = `kind.${kind}`;
    return hasMessage(key) ? this.t(key) : kind;
  }

  protected renderLoadError(): TemplateResult {
    return this.loadError ? html`<p class="notice error" role="alert">${this.loadError}</p>` : html``;
  }

  /** The operations the gateway accepted, with their states and decoded failures. */
  protected operationsTable(list: Paged<Operation>): TemplateResult {
    return html`<table data-testid="staff-operations">
        <caption class="sr-only">
          ${this.t("staff.operations")}
        </caption>
        <thead>
          <tr>
            <th scope="col">${this.t("history.kind")}</th>
            <th scope="col">${this.t("history.status")}</th>
            <th scope="col">${this.t("history.created")}</th>
            <th scope="col">${this.t("history.sequence")}</th>
            <th scope="col">${this.t("history.rightsArisenAt")}</th>
            <th scope="col">${this.t("staff.failure")}</th>
          </tr>
        </thead>
        <tbody>
          ${list.items.map(
            (o) =>
              html`<tr data-operation=${o.id} data-status=${o.status}>
                <th scope="row">${this.kind(o.kind)}</th>
                <td>${this.state(o.status)}</td>
                <td>${this.time(o.createdAt)}</td>
                <td class="num">${o.recordSequence ?? "—"}</td>
                <td>${this.time(o.rightsArisenAt)}</td>
                <td>${o.error ? html`<code>${o.error.code}</code> ${this.failure(o.error)}` : "—"}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${this.more(list, "staff.more")}`;
  }
}

/** A form's values by name, trimmed. */
export function values(e: SubmitEvent): Record<string, string> {
  e.preventDefault();
  const out: Record<string, string> = {};
  for (const [k, v] of new FormData(e.target as HTMLFormElement)) out[k] = String(v).trim();
  const submitter = e.submitter as HTMLButtonElement | null;
  if (submitter?.name) out[submitter.name] = submitter.value;
  return out;
}
