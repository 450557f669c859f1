import { Injectable } from '@nestjs/common';
import type {
  AdminRingSchemeView,
  CreateRingSchemeRequest,
  UpdateRingSchemeRequest,
} from '@ringcad/contracts';
import type { RingScheme, RingTier } from '@ringcad/domain';
import type { DbOrTx } from '@ringcad/db';
import {
  actorOf,
  appendAudit,
  Clock,
  conflict,
  DatabaseService,
  DomainError,
  notFound,
  type Principal,
} from '../platform';
import {
  deleteScheme,
  insertScheme,
  schemeReferences,
  selectScheme,
  selectSchemes,
  updateScheme,
  type RingSchemeRow,
} from './schemes.queries';

/** A ring_schemes row as the scheme it is (its tiers JSON, text on one driver, parsed). */
export function toRingScheme(
  r: Pick<RingSchemeRow, 'id' | 'label_zh' | 'label_en' | 'tiers'>,
): RingScheme {
  const tiers = (typeof r.tiers === 'string' ? JSON.parse(r.tiers) : r.tiers) as RingTier[];
  return { id: r.id, label: { zh: r.label_zh, en: r.label_en }, tiers };
}

/** A scheme's row as the admin's view of it (the scheme and whether it is built in). */
export function schemeView(
  r: Pick<RingSchemeRow, 'id' | 'label_zh' | 'label_en' | 'tiers' | 'builtin'>,
): AdminRingSchemeView {
  return { ...toRingScheme(r), builtin: r.builtin };
}

/**
 * Ring schemes (处置圈方案) as data: the built-ins (seeded by migration 0017) and admins' own.
 * Read from the database on every use: the table is a handful of rows, and the api instances
 * and the worker then never disagree about a scheme an admin just changed.
 */
@Injectable()
export class RingSchemesService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
  ) {}

  async list(db: DbOrTx = this.database.db): Promise<AdminRingSchemeView[]> {
    return (await selectSchemes(db)).map(schemeView);
  }

  async find(
    id: string | null | undefined,
    db: DbOrTx = this.database.db,
  ): Promise<RingScheme | undefined> {
    if (!id) return undefined;
    const row = await selectScheme(db, id);
    return row ? schemeView(row) : undefined;
  }

  /** The scheme, or a 400 naming the field that chose an unknown one. */
  async require(id: string, path: string, db: DbOrTx = this.database.db): Promise<RingScheme> {
    const s = await this.find(id, db);
    if (!s)
      throw new DomainError('VALIDATION_FAILED', `unknown ring scheme ${id}`, [
        { path, message: `unknown ring scheme ${id} (GET /api/v1/rings/schemes)` },
      ]);
    return s;
  }

  async create(input: CreateRingSchemeRequest, by: Principal): Promise<AdminRingSchemeView> {
    return this.database.transaction(async (tx) => {
      const row = await insertScheme(tx, input, this.clock.now());
      if (!row) throw conflict(`ring scheme ${input.id} exists already`);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'create', 'ring_scheme', input.id, {
        tiers: input.tiers.map((t) => t.sec),
      });
      return schemeView(row);
    });
  }

  async update(
    id: string,
    input: UpdateRingSchemeRequest,
    by: Principal,
  ): Promise<AdminRingSchemeView> {
    return this.database.transaction(async (tx) => {
      const current = await selectScheme(tx, id);
      if (!current) throw notFound('ring scheme', id);
      if (current.builtin)
        throw new DomainError('BUILTIN', `ring scheme ${id} is built in; add your own instead`);
      const row = await updateScheme(tx, id, input, this.clock.now());
      await appendAudit(tx, this.clock.now(), actorOf(by), 'update', 'ring_scheme', id, {
        tiers: input.tiers.map((t) => t.sec),
      });
      return schemeView(row!);
    });
  }

  async remove(id: string, by: Principal): Promise<void> {
    await this.database.transaction(async (tx) => {
      const current = await selectScheme(tx, id);
      if (!current) throw notFound('ring scheme', id);
      if (current.builtin) throw new DomainError('BUILTIN', `ring scheme ${id} is built in`);
      const refs = await schemeReferences(tx, id);
      if (refs.jurisdictions + refs.plans + refs.incidents > 0)
        throw new DomainError('IN_USE', `ring scheme ${id} is still in use`, {
          references: refs,
        });
      await deleteScheme(tx, id);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'delete', 'ring_scheme', id);
    });
  }
}
