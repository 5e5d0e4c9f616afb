import { defineDictionary } from './i18n.tsx';

export default defineDictionary(
  {
    title: '登录',
    devNote: '开发模式：选择部门和角色，由本机的开发签发者签发一小时有效的令牌。',
    noSignIn: '此控制台尚未配置登录方式。',
    department: '部门',
    role: '角色',
    subject: '用户名（可选）',
    subjectHint: '例如 hrss-steward-li；留空则为“部门-角色”',
    submit: '登录',
    signingIn: '正在登录…',
  },
  {
    title: 'Sign in',
    devNote: 'Development mode: pick a department and role; the dev issuer on this machine signs a one-hour token.',
    noSignIn: 'No sign-in method is configured for this console.',
    department: 'Department',
    role: 'Role',
    subject: 'User name (optional)',
    subjectHint: 'e.g. hrss-steward-li; empty means “department-role”',
    submit: 'Sign in',
    signingIn: 'Signing in…',
  },
);
