// Features bpftrace 0.26 marks unstable: each has an `unstable_<name>` config of error, warn or
// enable. A refused use is an error at its location; a warned one prints one location-less
// warning per run, worded as bpftrace words both.

import type { Span } from '../lang/ast.ts';
import type { Diagnostics } from '../lang/diagnostics.ts';
import type { Config } from './config.ts';

export type UnstableMode = 'error' | 'warn' | 'enable';

export type UnstableFeature = 'tseries' | 'typeinfo';

/** Each feature's config key and where the run's config holds its mode. */
const FEATURES: Readonly<Record<UnstableFeature, { key: string; mode: (c: Config) => UnstableMode }>> = {
  tseries: { key: 'unstable_tseries', mode: (c) => c.unstableTseries },
  typeinfo: { key: 'unstable_typeinfo', mode: (c) => c.unstableTypeinfo },
};

export class UnstableGate {
  private readonly warned = new Set<UnstableFeature>();

  constructor(
    private readonly diags: Diagnostics,
    private readonly config: Config,
  ) {}

  /** Whether `feature` may be used at `span` (false: the config refuses it, an error was reported). */
  allow(feature: UnstableFeature, span: Span): boolean {
    const { key, mode } = FEATURES[feature];
    switch (mode(this.config)) {
      case 'error':
        this.diags.error(
          span,
          `${feature} feature is not enabled by default. To enable this unstable feature, set the config flag to enable. ${key}=enable`,
        );
        return false;
      case 'warn':
        if (!this.warned.has(feature)) {
          this.warned.add(feature);
          this.diags.warning(
            null,
            `Script is using an unstable feature: ${feature}. To prevent this warning you must explicitly enable it in the config e.g. ${key}=enable`,
          );
        }
        return true;
      case 'enable':
        return true;
    }
  }
}
