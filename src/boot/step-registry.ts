import type { BootStepModule } from './step.js';
import { dnsStep } from './steps/dns.js';
import { etcdStep } from './steps/etcd.js';
import { guardStep } from './steps/guard.js';
import { hostnameStep } from './steps/hostname.js';
import { pkiStep } from './steps/pki.js';
import { swarmStep } from './steps/swarm.js';
import { unitsStep } from './steps/units.js';

/** Every step of `muster boot`, in the order they run (the same as BOOT_STEPS, which the config schema lists). */
export const STEP_MODULES: readonly BootStepModule[] = [guardStep, hostnameStep, dnsStep, pkiStep, etcdStep, unitsStep, swarmStep];
