// Features bpftrace 0.26 marks unstable: each has an `unstable_<name>` config of error, warn or
// enable. A refused use is an error at its location; a warned one prints one location-less
// warning per run, worded as bpftrace words both.

import type { Span } from '../lang/ast.ts';
import type { Diagnostics } from '../lang/diagnostics.ts';

export type UnstableMode = 'error' | 'warn' | 'enable';

export type UnstableFeature = 'tseries' | 'typeinfo';

const CONFIG_KEY: Readonly<Record<UnstableFeature, string>> = {
  tseries: 'unstable_tseries',
  typeinfo: 'unstable_typeinfo',
};

export class UnstableGate {
  private readonly warned = new Set<UnstableFeature>();

  constructor(private readonly diags: Diagnostics) {}

  /** Whether `feature` may be used at `span` under `mode` (false: refused, an error was reported). */
  allow(feature: UnstableFeature, mode: UnstableMode, span: Span): boolean {
    const key = CONFIG_KEY[feature];
    switch (mode) {
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
