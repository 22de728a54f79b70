import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

/** The session log of video visits: who joined, connected, dropped, came back and left, and when. */
export const videoSessions: Migration = {
  name: '0030-video-sessions',
  async up({ context: q }: { context: QueryInterface }) {
    await q.createTable('video_session_events', {
      id: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
      appointmentId: { type: DataTypes.STRING(64), allowNull: false },
      encounterId: { type: DataTypes.STRING(64), allowNull: false },
      side: { type: DataTypes.STRING(10), allowNull: false },
      userId: { type: DataTypes.STRING(64), allowNull: false },
      event: { type: DataTypes.STRING(12), allowNull: false },
      connectionId: { type: DataTypes.STRING(64), allowNull: false },
      at: { type: DataTypes.DATE(3), allowNull: false },
    });
    // The log of one visit in time order: what connected minutes and the doctor's view read.
    await q.addIndex('video_session_events', ['appointmentId', 'at']);
  },
  async down({ context: q }: { context: QueryInterface }) {
    await q.dropTable('video_session_events');
  },
};
