import { useI18n } from '../i18n.tsx';
import { Page } from '../ui.tsx';

export function SecurityGroups() {
  const { t } = useI18n();
  return <Page title={t('SecurityGroups')}><p className="muted">{t('Loading')}</p></Page>;
}
