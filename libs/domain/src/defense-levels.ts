/** Graded defense levels (等级化防控): level 1 is the highest alert, 4 the everyday posture. */
export const DEFENSE_LEVELS = [1, 2, 3, 4] as const;
export type DefenseLevel = (typeof DEFENSE_LEVELS)[number];

/** The level in force where a commander has set none. */
export const DEFAULT_DEFENSE_LEVEL: DefenseLevel = 4;

export interface DefenseLevelPolicy {
  label: { zh: string; en: string };
  /** The ring tier whose road-km coverage is held to a target (seconds). */
  tierSec: number;
  /** Each district must have at least this share of its road km within `tierSec`, 0–100. */
  minRoadKmPct: number;
  /** …and at least this many available units inside it. */
  minAvailableUnits: number;
  /** How many move-ups (前置备勤) to suggest at once. */
  maxMoves: number;
}

/** Table-driven: what each level demands. A deployment changes the numbers, not the code. */
export const DEFENSE_LEVEL_POLICIES: Readonly<Record<DefenseLevel, DefenseLevelPolicy>> = {
  1: {
    label: { zh: '一级防控', en: 'Level 1' },
    tierSec: 180,
    minRoadKmPct: 95,
    minAvailableUnits: 8,
    maxMoves: 8,
  },
  2: {
    label: { zh: '二级防控', en: 'Level 2' },
    tierSec: 180,
    minRoadKmPct: 90,
    minAvailableUnits: 6,
    maxMoves: 6,
  },
  3: {
    label: { zh: '三级防控', en: 'Level 3' },
    tierSec: 180,
    minRoadKmPct: 80,
    minAvailableUnits: 4,
    maxMoves: 4,
  },
  4: {
    label: { zh: '四级防控', en: 'Level 4' },
    tierSec: 180,
    minRoadKmPct: 70,
    minAvailableUnits: 2,
    maxMoves: 3,
  },
};

/** Whether a district's coverage falls short of what the level demands. */
export function coverageBelowTarget(
  level: DefenseLevel,
  tierRoadKmPct: number,
  availableUnits: number,
): boolean {
  const p = DEFENSE_LEVEL_POLICIES[level];
  return tierRoadKmPct < p.minRoadKmPct || availableUnits < p.minAvailableUnits;
}

/** Partner agencies (联动单位): 119 fire, 120 ambulance, 122 traffic police, 12345 city hotline. */
export const AGENCIES = ['119', '120', '122', '12345'] as const;
export type Agency = (typeof AGENCIES)[number];
export const AGENCY_LABELS: Record<Agency, { zh: string; en: string }> = {
  '119': { zh: '119消防', en: '119 Fire' },
  '120': { zh: '120急救', en: '120 Ambulance' },
  '122': { zh: '122交警', en: '122 Traffic' },
  '12345': { zh: '12345政务热线', en: '12345 City hotline' },
};
