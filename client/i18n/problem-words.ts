/**
 * The refusals a person can meet on the pages, in their words, by the problem's stable `code`
 * (server/http/errors.ts, docs/api.md "Errors"). A code not listed is shown in the server's own words.
 */
export type ProblemWords = Partial<Record<string, string>>;

export const PROBLEMS_EN: ProblemWords = {
  'invalid-credentials': 'The email or the password is wrong.',
  'too-many-requests': 'Too many attempts. Wait a minute, then try again.',
  'not-authenticated': 'Sign in first.',
  'token-expired': 'Your sign-in has expired. Sign in again.',
  'wrong-role': 'Your account cannot do this.',
  'not-your-patient': 'This patient is not in your care.',
  'internal-error': 'Something went wrong on our side. Nothing was changed; try again.',
  'database-unavailable': 'The hospital\'s records cannot be reached just now. Nothing was changed; try again in a moment.',
  'appointment-not-found': 'This appointment no longer exists.',
  'visit-not-found': 'This visit no longer exists.',
  'visit-closed': 'This visit is closed.',
  'prescription-cancelled': 'This prescription has been cancelled.',
  'file-too-large': 'The file is too large.',
  'alert-already-acknowledged': 'This alert was already acknowledged.',
  'level-above-minutes': 'That level is higher than the minutes of this visit reach. You may bill a lower level, never a higher one. The visit is still open.',
  'level-not-in-family': 'That level is not one of this visit\'s codes. The visit is still open.',
};

export const PROBLEMS_ZH: ProblemWords = {
  'invalid-credentials': '邮箱或密码不正确。',
  'too-many-requests': '尝试次数过多，请稍等一分钟再试。',
  'not-authenticated': '请先登录。',
  'token-expired': '登录已过期，请重新登录。',
  'wrong-role': '您的账号无权进行此操作。',
  'not-your-patient': '该患者不在您的诊疗范围内。',
  'internal-error': '系统出现问题，未做任何更改，请重试。',
  'database-unavailable': '暂时无法访问医院记录，未做任何更改，请稍后重试。',
  'appointment-not-found': '该预约已不存在。',
  'visit-not-found': '该就诊已不存在。',
  'visit-closed': '该就诊已结束。',
  'prescription-cancelled': '该处方已作废。',
  'file-too-large': '文件过大。',
  'alert-already-acknowledged': '该提醒已被确认。',
  'slot-taken': '该号源刚被他人预约，请选择其他时间。',
  'slot-in-past': '该号源已开始，请选择更晚的时间。',
  'slot-not-found': '该号源已不再提供，请选择其他时间。',
  'follow-up-not-eligible': '您暂时不能预约线上复诊：视频复诊仅用于医生线下确诊过的疾病。',
  'overlapping-appointment': '您在该时间已有预约，请选择其他时间。',
  'cancellation-cutoff-passed': '已超过可在线取消的时间，请致电医院。',
  'appointment-not-active': '该预约已不能取消。',
  'level-above-minutes': '所选级别高于本次就诊分钟数能达到的级别。您只能选择更低的级别，不能选择更高的级别。就诊尚未结束。',
  'level-not-in-family': '所选级别不属于本次就诊的编码。就诊尚未结束。',
};
