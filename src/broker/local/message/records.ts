/**
 * Stored records other than messages: schedules, queues, URL groups.
 * @module
 */

import type { PublishConfig } from "./publish-config.ts";

/** A cron schedule: what to publish, and when. */
export interface ScheduleRecord {
  scheduleId: string;
  /** Trimmed, as given (`CRON_TZ=<zone> ` prefix included). */
  cron: string;
  /** A URL or a URL-group name. */
  destination: string;
  createdAt: number;
  isPaused: boolean;
  /** The publish settings every trigger uses. */
  config: PublishConfig;
  body: Uint8Array;
  callerIp?: string;
  nextScheduleTime?: number;
  lastScheduleTime?: number;
  /** messageId → IN_PROGRESS | SUCCESS | FAIL for the last trigger. */
  lastScheduleStates?: Record<string, string>;
}

/** A named FIFO queue. */
export interface QueueRecord {
  name: string;
  createdAt: number;
  updatedAt: number;
  parallelism: number;
  paused: boolean;
}

/** A URL group ("topic"): one message per endpoint. */
export interface TopicRecord {
  name: string;
  createdAt: number;
  updatedAt: number;
  endpoints: { name?: string; url: string }[];
}
