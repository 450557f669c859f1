import { Injectable } from '@nestjs/common';
import { CATEGORY_LABELS, type IncidentCategory } from '@ringcad/domain';
import { Clock, type Principal } from '../platform';
import { TimelineService } from './timeline.service';

type Timeline = Awaited<ReturnType<TimelineService['timeline']>>;

/** Our incident statuses in the words of the EIDO status registry (closest match). */
const EIDO_STATUS: Record<string, string> = {
  new: 'Active.Queued',
  dispatched: 'Active.Dispatched',
  on_scene: 'Active.OnScene',
  resolved: 'Active.Clearing',
  closed: 'Closed',
  cancelled: 'Closed.Cancelled',
};

/** Our assignment statuses as EIDO-style resource statuses. */
const RESOURCE_STATUS: Record<string, string> = {
  assigned: 'Dispatched',
  acknowledged: 'Acknowledged',
  en_route: 'Enroute',
  on_scene: 'OnScene',
  cleared: 'Available',
  declined: 'Declined',
  cancelled: 'Cancelled',
};

const urn = (kind: string, id: string) => `urn:ringcad:${kind}:${id}`;

/**
 * One incident as an "EIDO-inspired" JSON document: the component structure of the NENA
 * Emergency Incident Data Object (incident, call, location, emergency resource, notes,
 * agency), with our data in it. It is not validated against the published EIDO schema and is
 * not called EIDO-conformant.
 */
export function toEido(tl: Timeline, exportedAt: Date) {
  const i = tl.incident;
  const incidentId = urn('incident', i.id);
  const locationId = urn('location', i.id);
  const callId = urn('call', i.id);
  const lastUpdate = tl.events.length ? tl.events[tl.events.length - 1].at : i.createdAt;
  const category = CATEGORY_LABELS[i.category as IncidentCategory];
  const resourceHistory = (a: Timeline['assignments'][number]) =>
    (
      [
        ['Dispatched', a.assignedAt],
        ['Acknowledged', a.ackedAt],
        ['Enroute', a.departedAt],
        ['OnScene', a.arrivedAt],
        ['Available', a.clearedAt],
        ['Declined', a.declinedAt],
        ['Cancelled', a.cancelledAt],
      ] as const
    )
      .filter(([, at]) => at)
      .map(([status, at]) => ({
        resourceStatusCommonRegistryText: status,
        statusDateTimeStamp: at,
      }));
  return {
    $comment:
      'EIDO-inspired export (NENA Emergency Incident Data Object component structure); not validated against the published EIDO schema',
    eidoMessageIdentifier: urn('eido', `${i.id}:${i.version}`),
    lastUpdateTimeStamp: lastUpdate,
    exportTimeStamp: exportedAt.toISOString(),
    sendingSystem: 'RingCAD',
    incidentComponent: {
      componentIdentifier: incidentId,
      incidentTrackingIdentifier: i.number,
      lastUpdateTimeStamp: lastUpdate,
      incidentStatusCommonRegistryText: [EIDO_STATUS[i.status] ?? i.status],
      incidentTypeCommonRegistryText: [i.category],
      incidentTypeLocalText: category ? `${category.zh} / ${category.en}` : i.category,
      incidentCommonPriorityNumber: i.priority,
      incidentCreationTimeStamp: i.createdAt,
      responseScheme: i.schemeId,
      // 演练: receivers must not count it as a real incident
      exerciseIndicator: i.exercise,
      locationReference: [locationId],
      callReference: [callId],
      emergencyResourceReference: tl.assignments.map((a) => urn('assignment', a.id)),
      metrics: tl.metrics,
    },
    callComponent: [
      {
        componentIdentifier: callId,
        callTypeDescriptionRegistryText: '110',
        callStartTimeStamp: i.receivedAt,
        callbackNumber: i.callerNumber,
        callerName: i.callerName,
        locationReference: [locationId],
      },
    ],
    locationComponent: [
      {
        componentIdentifier: locationId,
        locationByValue: {
          type: 'Point',
          coordinates: [i.location.lon, i.location.lat],
          crs: 'EPSG:4326',
        },
        civicAddressText: i.address,
        jurisdiction: i.jurisdiction,
      },
    ],
    emergencyResourceComponent: tl.assignments.map((a) => ({
      componentIdentifier: urn('assignment', a.id),
      resourceIdentifier: urn('unit', a.unitId),
      resourceName: a.callsign,
      resourceTypeLocalText: a.unitKind,
      resourceRole: a.role,
      resourceStatusCommonRegistryText: RESOURCE_STATUS[a.status] ?? a.status,
      predictedTravelSeconds: a.etaSec,
      resourceStatusHistory: resourceHistory(a),
    })),
    notesComponent: [
      ...(i.description
        ? [
            {
              componentIdentifier: urn('note', `${i.id}:description`),
              noteDateTimeStamp: i.createdAt,
              noteText: i.description,
              noteAuthor: null,
            },
          ]
        : []),
      ...tl.events.map((e) => ({
        componentIdentifier: urn('note', `${i.id}:${e.seq}`),
        noteDateTimeStamp: e.at,
        noteText: e.type,
        noteAuthor: e.actor.name,
        noteData: e.data,
      })),
    ],
    agencyComponent: [
      {
        componentIdentifier: urn('agency', '110'),
        agencyName: '110 指挥中心',
        agencyTypeCommonRegistryText: 'Law',
      },
    ],
  };
}

@Injectable()
export class EidoService {
  constructor(
    private readonly timelines: TimelineService,
    private readonly clock: Clock,
  ) {}

  /** The incident as the viewer may see it (caller number masked for roles that do not need it). */
  async incident(id: string, by: Principal) {
    return toEido(await this.timelines.timeline(id, by), this.clock.now());
  }
}
