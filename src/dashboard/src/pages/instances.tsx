import { useI18n } from '../i18n.tsx';
import { Page } from '../ui.tsx';

export function Instances() {
  const { t } = useI18n();
  return <Page title={t('Instances')}><p className="muted">{t('Loading')}</p></Page>;
}
