// Candidate units of an incident grouped by ring tier, fastest first within each.
import { h } from '../dom';
import { km, mmss } from '../format';
import { label, t, unitKindLabel } from '../i18n';
import type { Recommendation, RecommendationCandidate } from '@ringcad/contracts';

export interface CandidateGroup {
  title: string;
  tier: number | null;
  candidates: { c: RecommendationCandidate; index: number }[];
}

export function groupByTier(rec: Recommendation): CandidateGroup[] {
  const groups: CandidateGroup[] = rec.scheme.tiers.map((tier, i) => ({
    title: t('tier', { label: label(tier.label) || `${Math.round(tier.sec / 60)} min` }),
    tier: i,
    candidates: [],
  }));
  const outside: CandidateGroup = { title: t('outsideRings'), tier: null, candidates: [] };
  rec.candidates.forEach((c, index) => {
    const g = c.tier === null ? outside : groups[c.tier];
    (g ?? outside).candidates.push({ c, index });
  });
  return [...groups, outside].filter((g) => g.candidates.length > 0);
}

export interface CandidateListOptions {
  selected?: ReadonlySet<string>;
  focused?: string | null;
  onToggle?: (unitId: string) => void;
  limit?: number;
}

export function candidateList(rec: Recommendation, opts: CandidateListOptions = {}): HTMLElement {
  const groups = groupByTier(rec);
  if (!groups.length) return h('p', { class: 'muted' }, t('noCandidates'));
  let shown = 0;
  const limit = opts.limit ?? 40;
  return h(
    'div',
    { class: 'candidates' },
    groups.map((g) => {
      const rows = g.candidates.filter(() => shown++ < limit);
      if (!rows.length) return null;
      return h(
        'section',
        { class: `tier-group tier-${g.tier ?? 'none'}` },
        h(
          'h4',
          {},
          h('span', { class: 'tier-dot' }),
          g.title,
          h('span', { class: 'count' }, String(g.candidates.length)),
        ),
        h(
          'ol',
          {},
          rows.map(({ c, index }) =>
            h(
              'li',
              {
                class: `candidate${opts.selected?.has(c.unitId) ? ' selected' : ''}${opts.focused === c.unitId ? ' focused' : ''}`,
                'data-unit-id': c.unitId,
                onclick: opts.onToggle ? () => opts.onToggle?.(c.unitId) : undefined,
              },
              h('span', { class: 'key' }, index < 9 ? String(index + 1) : ''),
              opts.onToggle
                ? h('span', { class: 'check' }, opts.selected?.has(c.unitId) ? '☑' : '☐')
                : null,
              h('span', { class: 'callsign' }, c.callsign),
              h('span', { class: 'kind' }, unitKindLabel(c.kind)),
              h('span', { class: 'eta' }, mmss(c.etaSec)),
              h('span', { class: 'dist' }, km(c.distanceM)),
              c.method === 'straight'
                ? h(
                    'span',
                    { class: 'flag straight', title: t('straightEstimateHint') },
                    t('straightEstimate'),
                  )
                : null,
            ),
          ),
        ),
      );
    }),
  );
}
