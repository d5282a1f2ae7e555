import { hostname as osHostname } from 'node:os';
import type { Alert } from '../alerts/alert.js';
import { alertToSyslog, type AlertSyslogOptions, type FacilityName, type FormatName } from './formats/index.js';

/** What every syslog transport puts in the RFC 5424 header. */
export interface SyslogMessageSettings {
  /** Rendering of the alert in MSG. */
  format: FormatName;
  facility: FacilityName;
  appName: string;
  /** HOSTNAME; default the machine's host name. */
  hostname?: string;
  /** The private enterprise number in the SD-ID `driftwatch@<n>`. */
  enterpriseId?: number;
  /** U+FEFF before MSG (RFC 5424 §6.4); false for receivers that mishandle it. */
  bom?: boolean;
}

export function syslogOptions(settings: SyslogMessageSettings): AlertSyslogOptions {
  const options: AlertSyslogOptions = {
    format: settings.format,
    facility: settings.facility,
    appName: settings.appName,
    hostname: settings.hostname ?? osHostname(),
    procId: String(process.pid),
  };
  if (settings.enterpriseId !== undefined) options.enterpriseId = settings.enterpriseId;
  if (settings.bom !== undefined) options.bom = settings.bom;
  return options;
}

export function syslogText(alert: Alert, options: AlertSyslogOptions): string {
  return alertToSyslog(alert, options).text;
}
