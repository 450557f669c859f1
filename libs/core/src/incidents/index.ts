export * from './incidents.module';
export * from './desk.service';
export * from './eido';
export * from './incidents.service';
export * from './timeline.service';
export { selectTrack, type TrackPointRecord } from './timeline.queries';
