/** The evidence timeline's words in Chinese: the same keys and arguments as ./timeline-words-en.ts. */
import type { TimelineWords } from './timeline-words-en.js';

export const TIMELINE_ZH: TimelineWords = {
  appointmentBooked: (start, end, visitType) => `已预约 ${start}–${end}（${visitType}）`,
  appointmentBecame: (status) => `预约状态变为：${status}`,
  visitBecame: (status) => `就诊状态变为：${status}`,
  visitStatus: {
    planned: '待就诊', arrived: '候诊中', 'in-progress': '就诊中', finished: '已结束', cancelled: '已取消', 'entered-in-error': '录入错误',
  },
  message: (role, text) => `${role}：${text}`,
  attachment: (role, fileName, size) => `${role}发送了 ${fileName}（${size} 字节）`,
  note: { preliminary: '病历已保存为草稿', final: '病历已签署', amended: '病历已补充更正' },
  amendedBecause: (note, reason) => `${note}：${reason}`,
  outcome: (outcome, reason) => `就诊结束：${outcome}——${reason}`,
  outcomeKind: { 'needs-in-person-care': '需线下就医' },
  audit: (role, action, record) => `${role}${action}${record}`,
  auditRefused: (said) => `${said}（被拒绝）`,
  system: '系统',
  action: { C: '创建了', R: '查看了', U: '修改了', D: '删除了', E: '处理了' },
  record: {
    Appointment: '预约', Encounter: '就诊', Communication: '消息', Composition: '病历', Task: '处方', MedicationRequest: '处方',
    MedicationDispense: '发药记录', Provenance: '签名', Patient: '患者档案', DocumentReference: '资料', Flag: '提醒', Observation: '测量值',
    ChargeItem: '费用', Claim: '理赔申请', Basic: '投诉', Consent: '授权', Condition: '诊断', CarePlan: '诊疗计划', DiagnosticReport: '检查结果',
  },
  side: { patient: '患者', doctor: '医生' },
  videoEvent: {
    join: (side) => `${side}进入视频诊室`,
    connect: (side) => `${side}已连接`,
    reconnect: (side) => `${side}重新连接`,
    disconnect: (side) => `${side}连接中断`,
    leave: (side) => `${side}离开视频诊室`,
  },
  connected: (minutes, seconds) => `双方连接共 ${minutes} 分 ${seconds} 秒`,
  drug: (drug, quantity) => `${drug} × ${quantity}`,
  drugSeparator: '、',
  prescription: (number, drugs, happened) => `处方 ${number}（${drugs}）${happened}`,
  happened: {
    'pending-review': '已开具并签名，等待药师审核',
    rejected: '被药师驳回',
    ready: '可以发药',
    'in-progress': '由药房处理中',
    completed: '已发药',
    cancelled: '已作废',
  },
  rejectedBecause: (happened, reason) => `${happened}（${reason}）`,
  heldBy: (pharmacy) => `由药房 ${pharmacy} 处理中`,
  dispensed: (quantity, drug, pharmacy) => `${pharmacy} 已交付 ${drug} × ${quantity}`,
};
