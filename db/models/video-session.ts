import { DataTypes, Model, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import { fresh } from './fresh.js';

export type VideoSide = 'patient' | 'doctor';
/** join/leave: the signalling socket; connect/disconnect/reconnect: the media connection between the two. */
export type VideoSessionEventType = 'join' | 'connect' | 'disconnect' | 'reconnect' | 'leave';

/** One line of a video visit's session log. Append-only. */
export class VideoSessionEvent extends Model<InferAttributes<VideoSessionEvent>, InferCreationAttributes<VideoSessionEvent>> {
  declare id: string;
  declare appointmentId: string;
  declare encounterId: string;
  declare side: VideoSide;
  declare userId: string;
  declare event: VideoSessionEventType;
  /** One signalling connection: a rejoin gets a new one. */
  declare connectionId: string;
  declare at: Date;
}

export function defineVideoSession(sequelize: Sequelize) {
  const VideoSessionEventModel = fresh(VideoSessionEvent);
  VideoSessionEventModel.init({
    id: { type: DataTypes.STRING(64), primaryKey: true },
    appointmentId: { type: DataTypes.STRING(64), allowNull: false },
    encounterId: { type: DataTypes.STRING(64), allowNull: false },
    side: { type: DataTypes.STRING(10), allowNull: false },
    userId: { type: DataTypes.STRING(64), allowNull: false },
    event: { type: DataTypes.STRING(12), allowNull: false },
    connectionId: { type: DataTypes.STRING(64), allowNull: false },
    at: { type: DataTypes.DATE(3), allowNull: false },
  }, { sequelize, tableName: 'video_session_events', timestamps: false });
  return { VideoSessionEvent: VideoSessionEventModel };
}
