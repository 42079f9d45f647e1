import type { Ids } from '../ids';
import type { AppInfo, Provisioner, ProvisionRequest } from './provisioner';

/** Settings of {@link createTemplateProvisioner}. */
export interface TemplateProvisionerOptions {
  /** Buyer URL; placeholders `{instanceId}`, `{shortId}`, `{orderId}`. */
  frontEndUrlTemplate: string;
  adminUrlTemplate?: string;
  /** Admin user name; same placeholders. */
  userNameTemplate: string;
  ids: Ids;
}

function fill(template: string, req: ProvisionRequest): string {
  const values: Record<string, string> = {
    instanceId: req.instanceId,
    shortId: req.instanceId.replace(/-/g, '').slice(0, 12),
    orderId: req.orderId,
  };
  return template.replace(/\{(instanceId|shortId|orderId)\}/g, (_, name: string) =>
    encodeURIComponent(values[name] ?? ''),
  );
}

/**
 * The default provisioner: derives the buyer's `frontEndUrl` and `adminUrl` from templates and
 * creates an admin user name and a strong random password. It keeps no tenant of its own, so
 * every other step is a no-op; a seller replaces it with one that talks to their system.
 */
export function createTemplateProvisioner(options: TemplateProvisionerOptions): Provisioner {
  return {
    async provision(req): Promise<AppInfo> {
      const info: AppInfo = {
        frontEndUrl: fill(options.frontEndUrlTemplate, req),
        userName: fill(options.userNameTemplate, req),
        password: options.ids.password(),
      };
      if (options.adminUrlTemplate) info.adminUrl = fill(options.adminUrlTemplate, req);
      if (req.test) info.memo = 'KooGallery debug/probe instance: no tenant was created';
      return info;
    },
    async renew() {},
    async freeze() {},
    async unfreeze() {},
    async release() {},
    async upgrade() {},
    async checkChange() {
      return { allowed: true };
    },
  };
}
