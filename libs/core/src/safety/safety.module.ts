import { Module } from '@nestjs/common';
import { SafetyService } from './safety.service';

/**
 * Officer safety (emergency button, on-scene check-in). Both api and worker import it: its timer
 * kinds must be registered wherever timers are processed.
 */
@Module({ providers: [SafetyService], exports: [SafetyService] })
export class SafetyModule {}
