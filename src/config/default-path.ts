/** Where muster looks for its config when neither --config nor MUSTER_CONFIG names one. */
export const DEFAULT_CONFIG_PATH = '/etc/muster/muster.yaml';
