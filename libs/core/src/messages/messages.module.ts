import { Module } from '@nestjs/common';
import { MessagesService } from './messages.service';

/** 点对点 messages between desk and units (needs CoreModule, which is global). */
@Module({ providers: [MessagesService], exports: [MessagesService] })
export class MessagesModule {}
