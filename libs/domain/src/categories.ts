/** Incident categories (警情类别). The list is data so a deployment can extend it. */
export const INCIDENT_CATEGORIES = [
  'criminal',
  'public_order',
  'traffic',
  'fire',
  'assistance',
  'dispute',
  'mass_incident',
  'other',
  /** 民警遇险: raised by a unit's emergency button (一键报警), never by a 110 call's category pick. */
  'officer_in_danger',
] as const;

export type IncidentCategory = (typeof INCIDENT_CATEGORIES)[number];

export const CATEGORY_LABELS: Record<IncidentCategory, { zh: string; en: string }> = {
  criminal: { zh: '刑事', en: 'Criminal' },
  public_order: { zh: '治安', en: 'Public order' },
  traffic: { zh: '交通', en: 'Traffic' },
  fire: { zh: '火灾', en: 'Fire' },
  assistance: { zh: '求助', en: 'Assistance' },
  dispute: { zh: '纠纷', en: 'Dispute' },
  mass_incident: { zh: '群体性', en: 'Mass incident' },
  other: { zh: '其他', en: 'Other' },
  officer_in_danger: { zh: '民警遇险', en: 'Officer in danger' },
};

export const PRIORITIES = [1, 2, 3] as const;
export type Priority = (typeof PRIORITIES)[number];

export const PRIORITY_LABELS: Record<Priority, { zh: string; en: string }> = {
  1: { zh: '一级（紧急）', en: 'P1 (emergency)' },
  2: { zh: '二级', en: 'P2' },
  3: { zh: '三级', en: 'P3' },
};
