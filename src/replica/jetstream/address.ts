// A replica set on NATS JetStream is named by a URL, `nats://[user:pass@]host:port/SET`; the set
// name becomes a subject token and part of stream and bucket names, so it is kept to [A-Za-z0-9_-].

/** Where a JetStream replica set lives and how to reach it. */
export interface NatsAddress {
  /** `host:port` (several when the URL lists them comma-separated). */
  readonly servers: readonly string[];
  readonly set: string;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** The URL without its credentials, for messages. */
  readonly shown: string;
}

/** Connection options that do not fit in the URL, as the NATS client takes them. */
export interface NatsConnectOptions {
  /** A `.creds` file (JWT and NKey seed). */
  readonly creds?: string;
  readonly tlsCa?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** Milliseconds to wait for the server before giving up. */
  readonly timeout?: number;
}

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Whether an argument names a JetStream replica set rather than a folder. */
export function isNatsUrl(text: string): boolean {
  return /^(nats|tls):\/\//i.test(text);
}

/** Whether a replica or set name can be a subject token here. */
export function isToken(name: string): boolean {
  return TOKEN.test(name);
}

/** Parses `nats://[user:pass@|token@]host[:port][,host[:port]...]/SET`; the error says what is wrong. */
export function parseNatsUrl(text: string): NatsAddress | string {
  const m = /^(nats|tls):\/\/(?:([^@/]*)@)?([^/?#]+)\/([^/?#]*)\/?$/i.exec(text);
  if (m === null) return `\`${text}\` is not a NATS replica set address; write it as nats://HOST:PORT/SET`;
  const [, scheme, auth, hosts, set] = m as unknown as [string, string, string | undefined, string, string];
  if (set === "") return `\`${text}\` names no replica set; add it after the port, as in nats://HOST:PORT/SET`;
  if (!isToken(set)) return `replica set name \`${set}\` may hold only letters, digits, \`_\` and \`-\``;
  const servers = hosts.split(",").map((h) => (/:\d+$/.test(h) ? h : `${h}:4222`));
  const bad = servers.find((h) => !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(h));
  if (bad !== undefined) return `\`${bad}\` in \`${text}\` is not HOST:PORT`;
  const shown = `${scheme!.toLowerCase()}://${hosts}/${set}`;
  if (auth === undefined || auth === "") return { servers, set, shown };
  const colon = auth.indexOf(":");
  if (colon < 0) return { servers, set, token: decodeURIComponent(auth), shown };
  return { servers, set, user: decodeURIComponent(auth.slice(0, colon)), pass: decodeURIComponent(auth.slice(colon + 1)), shown };
}
