export { toCef, cefLine, escapeCefHeader, escapeCefExtensionValue, type CefHeader, type CefOptions } from './cef.js';
export { toEcs, ECS_VERSION, type EcsDocument, type EcsOptions } from './ecs.js';
export { toJson } from './json.js';
export { mitreTechnique, type MitreTechnique, type MitreItem, type Tactic } from './mitre.js';
export { toOcsf, OCSF_VERSION, OCSF_CLASS, type OcsfObject, type OcsfOptions } from './ocsf.js';
export { PRODUCT } from './product.js';
export { FORMATS, FORMAT_NAMES, isFormatName, jsonLine, renderLine, type FormatName, type RenderOptions } from './render.js';
export { CEF_SEVERITY, ECS_SEVERITY, OCSF_SEVERITY, SYSLOG_SEVERITY, ocsfConfidence } from './severity.js';
export {
  alertToSyslog,
  DEFAULT_ENTERPRISE_ID,
  DEFAULT_FACILITY,
  DEFAULT_UDP_MAX_BYTES,
  escapeSdParamValue,
  FACILITIES,
  facilityCode,
  fitToDatagram,
  formatSyslog,
  octetCount,
  structuredData,
  syslogPri,
  syslogTimestamp,
  type AlertSyslogOptions,
  type FacilityName,
  type FittedMessage,
  type SdElement,
  type SyslogFields,
  type SyslogMessage,
} from './syslog.js';
