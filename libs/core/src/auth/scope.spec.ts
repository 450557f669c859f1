import {
  alertInScope,
  assertJurisdictionInScope,
  assertUnitsInScope,
  coversJurisdiction,
  incidentInScope,
  unitInScope,
  type Scope,
} from './scope';

const city: Scope = { kind: 'city' };
const west: Scope = {
  kind: 'jurisdictions',
  root: 'W',
  ids: new Set(['W', 'W-station', 'W-grid']),
};
const station: Scope = {
  kind: 'jurisdictions',
  root: 'W-station',
  ids: new Set(['W-station', 'W-grid']),
};
const terminal: Scope = { kind: 'unit', unitId: 'u1' };

const where = (
  districtId: string | null,
  stationId: string | null = null,
  gridId: string | null = null,
) => ({ districtId, stationId, gridId });

describe('jurisdiction scope', () => {
  it.each([
    ['city, anywhere', city, where('E'), true],
    ['city, outside every polygon', city, null, true],
    ['district, own', west, where('W'), true],
    ['district, own station only', west, where(null, 'W-station'), true],
    ['district, other district', west, where('E', 'E-station'), false],
    ['district, outside every polygon', west, null, false],
    ['station, its district but another station', station, where('W', 'W-other'), false],
    ['station, own grid', station, where('W', 'W-station', 'W-grid'), true],
    ['terminal', terminal, where('W'), false],
  ])('incident: %s', (_, scope, j, expected) => {
    expect(incidentInScope(scope, j)).toBe(expected);
  });

  it.each([
    ['city, city unit', city, { id: 'u9', stationId: null }, true],
    ['district, own station', west, { id: 'u2', stationId: 'W-station' }, true],
    ['district, other station', west, { id: 'u3', stationId: 'E-station' }, false],
    ['district, city unit', west, { id: 'u4', stationId: null }, false],
    ['terminal, own unit', terminal, { id: 'u1', stationId: 'E-station' }, true],
    ['terminal, other unit', terminal, { id: 'u2', stationId: null }, false],
  ])('unit: %s', (_, scope, unit, expected) => {
    expect(unitInScope(scope, unit)).toBe(expected);
  });

  it('refuses the whole city to a scoped account and another jurisdiction with OUT_OF_SCOPE', () => {
    expect(coversJurisdiction(city, null)).toBe(true);
    expect(() => assertJurisdictionInScope(west, null)).toThrow(
      expect.objectContaining({ code: 'OUT_OF_SCOPE' }),
    );
    expect(() => assertJurisdictionInScope(west, 'E')).toThrow(
      expect.objectContaining({ code: 'OUT_OF_SCOPE' }),
    );
    expect(() => assertJurisdictionInScope(west, 'W-grid')).not.toThrow();
    expect(() => assertJurisdictionInScope(station, 'W')).toThrow(
      expect.objectContaining({ code: 'OUT_OF_SCOPE' }),
    );
  });

  it('names every unit outside the scope; a terminal gets a plain FORBIDDEN', () => {
    const units = [
      { id: 'a', stationId: 'W-station' },
      { id: 'b', stationId: 'E-station' },
      { id: 'c', stationId: null },
    ];
    expect(() => assertUnitsInScope(west, units)).toThrow(
      expect.objectContaining({ code: 'OUT_OF_SCOPE', details: { unitIds: ['b', 'c'] } }),
    );
    expect(() => assertUnitsInScope(terminal, [{ id: 'u2', stationId: null }])).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
  });

  it('puts incident alerts with their incident and area alerts with their district', () => {
    expect(alertInScope(west, { incidentId: 'i', data: {} }, where('W'))).toBe(true);
    expect(alertInScope(west, { incidentId: 'i', data: { districtId: 'W' } }, where('E'))).toBe(
      false,
    );
    expect(alertInScope(west, { incidentId: null, data: { districtId: 'W' } }, null)).toBe(true);
    expect(alertInScope(west, { incidentId: null, data: { districtId: 'E' } }, null)).toBe(false);
    expect(alertInScope(west, { incidentId: null, data: {} }, null)).toBe(false);
    expect(alertInScope(city, { incidentId: null, data: {} }, null)).toBe(true);
  });
});
