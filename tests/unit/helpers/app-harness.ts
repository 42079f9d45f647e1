/** The app in process over unit-test dependencies: signed requests in, parsed answers out. */
import { createApp } from '../../../lib/app';
import type { Deps } from '../../../lib/deps';
import type { HttpRequest } from '../../../lib/http';
import { type RequestOptions, signedGet, signedPost } from './requests';
import {
  UNIT_ACCESS_KEY,
  UNIT_LICENSE_ACCESS_KEY,
  UNIT_V1_ACCESS_KEY,
  unitDeps,
} from './unit-deps';

/** A parsed answer. */
export interface ParsedAnswer {
  json: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Builds the app; `settings` and `overrides` change its configuration and dependencies. */
export function appHarness(settings: Record<string, string> = {}, overrides: Partial<Deps> = {}) {
  const u = unitDeps(overrides, settings);
  const app = createApp(u.deps);
  const send = async (request: HttpRequest): Promise<ParsedAnswer> => {
    const response = await app(request);
    return { json: JSON.parse(response.body), headers: response.headers };
  };
  return {
    ...u,
    app,
    send,
    /** A SaaS V2.0 POST signed with the V2.0 key. */
    v2: (body: unknown, o?: RequestOptions) =>
      send(signedPost(UNIT_ACCESS_KEY, u.clock.now(), body, o)),
    /** A SaaS V1.0 or License 1.0 GET signed with the V1.0 key. */
    v1: (params: Record<string, string>, o?: RequestOptions) =>
      send(signedGet(UNIT_V1_ACCESS_KEY, u.clock.now(), params, o)),
    /** A License 2.0 POST signed with the License key. */
    license: (body: unknown, o?: RequestOptions) =>
      send(signedPost(UNIT_LICENSE_ACCESS_KEY, u.clock.now(), body, o)),
  };
}
