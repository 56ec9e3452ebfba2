import { useI18n } from '../i18n.tsx';
import { Page } from '../ui.tsx';

export function Images() {
  const { t } = useI18n();
  return <Page title={t('Images')}><p className="muted">{t('Loading')}</p></Page>;
}
