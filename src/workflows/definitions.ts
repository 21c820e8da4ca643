// Names shared by the workflow and its clients.

import { defineQuery } from '@temporalio/workflow';
import type { DocumentProgress } from '../document/result.ts';

export const AUDIO_DOCUMENT_WORKFLOW = 'audioDocument';
export const progressQuery = defineQuery<DocumentProgress>('progress');
